/* Scorecard drafts that are never lost.
 *
 * Every change is copied to this browser's localStorage at once, and sent to the
 * server a few seconds after typing stops and when the page is hidden or left. If
 * the server cannot be reached, or the session has ended, the copy stays in the
 * browser and is put back into the form the next time the page opens.
 * Without JavaScript, the Save draft button does the same job.
 *
 * Each request carries this page's edit token and a number that grows with every
 * request (edit_seq), so the server never treats this page's own earlier save as a
 * conflict, and ignores a late, older request of this page (scorecards/operations.py).
 */
(function () {
  "use strict";
  var form = document.getElementById("scorecard");
  if (!form) { return; }
  var seq = form.querySelector("input[name=edit_seq]");
  var token = form.querySelector("input[name=edit_token]");
  var submitting = false, timer = null, retry = null;

  function nextSeq() {
    seq.value = String((parseInt(seq.value, 10) || 0) + 1);
    return seq.value;
  }

  /* A double click on Submit sends one request: the buttons are disabled just after
     the first submission leaves (the server also treats a repeat as done). The form
     itself carries everything typed, so no autosave races it. */
  form.addEventListener("submit", function () {
    submitting = true;
    clearTimeout(timer); clearTimeout(retry);
    nextSeq();
    setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("[type=submit]"), function (b) { b.disabled = true; });
    }, 0);
  });
  /* Back from the next page (bfcache): the page works again. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    submitting = false;
    Array.prototype.forEach.call(form.querySelectorAll("[type=submit]"), function (b) { b.disabled = false; });
  });
  if (form.dataset.submitted === "yes" || !form.dataset.autosaveUrl) {
    try { localStorage.removeItem(form.dataset.storageKey); } catch (e) {}
    return;
  }
  var url = form.dataset.autosaveUrl;
  var key = form.dataset.storageKey;
  var status = document.getElementById("save-status");
  var version = form.querySelector("input[name=version]");
  var delay = 3000, dirty = false, saving = false, lastSent = 0;

  function say(text) { if (status) { status.textContent = text; } }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && ["csrf_token", "version", "edit_token", "edit_seq"].indexOf(el.name) < 0 &&
        el.type !== "submit";
    });
  }

  function snapshot() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio") { if (el.checked) { data[el.name] = el.value; } }
      else { data[el.name] = el.value; }
    });
    return data;
  }

  /* The copy records which requests of this page had left when it was made: if the
     server got none later, the copy holds text the server does not have. */
  function remember() {
    try {
      localStorage.setItem(key, JSON.stringify({
        fields: snapshot(), version: version.value, token: token.value, sent: lastSent, at: Date.now()
      }));
    } catch (e) { /* private mode or full: the server copy still saves */ }
  }

  function restore() {
    var kept;
    try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.fields) { return false; }
    var unchanged = kept.version === version.value;
    var serverBehind = kept.token && kept.token === form.dataset.savedToken &&
      (parseInt(form.dataset.savedSeq, 10) || 0) <= kept.sent;
    if (!unchanged && !serverBehind) {
      /* Saved on the server since (another device, or a later save of that page):
         the server copy is newer, so the old browser copy is not put back over it. */
      try { localStorage.removeItem(key); } catch (e) {}
      return false;
    }
    var current = snapshot(), differs = false;
    Object.keys(kept.fields).forEach(function (name) { if (current[name] !== kept.fields[name]) { differs = true; } });
    if (!differs) { return false; }
    fields().forEach(function (el) {
      if (!(el.name in kept.fields)) { return; }
      if (el.type === "radio") { el.checked = el.value === kept.fields[el.name]; }
      else { el.value = kept.fields[el.name]; }
    });
    say("Restored text you typed earlier in this browser that had not reached the server; saving it now.");
    return true;
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function again() {
    clearTimeout(retry);
    retry = setTimeout(function () { save(false); }, delay);
    delay = Math.min(delay * 2, 60000);
  }

  function save(leaving) {
    if (submitting) { return; }
    if (saving && !leaving) { dirty = true; return; }
    lastSent = parseInt(nextSeq(), 10);
    var body = new FormData(form);
    body.delete("save"); body.delete("submit"); body.delete("amend");
    if (leaving && navigator.sendBeacon) { navigator.sendBeacon(url, body); return; }
    saving = true; dirty = false;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        /* An ended session shows as the sign-in page (redirect) or as a refused
           security token (400): either way, signing in again is what helps. */
        var ended = response.redirected || response.status === 401 || (response.status === 400 && !json);
        if (!json) { throw new Error(ended ? "signed-out" : "server"); }
        return response.json().then(function (data) { return { response: response, data: data }; });
      })
      .then(function (result) {
        var data = result.data;
        if (data.ok) {
          version.value = data.version;
          delay = 3000;
          say("Saved at " + clock(data.saved_at) + ".");
          try { if (dirty) { remember(); } else { localStorage.removeItem(key); } } catch (e) {}
        } else if (data.retry) {
          say("Not saved yet: " + (data.message || "the server is busy.") + " Retrying; your text is kept in this browser.");
          again();
        } else if (data.stale) {
          say("Not saved: " + data.message + " Your text is kept in this browser.");
        } else if (data.problems) {
          say("Not saved: " + Object.keys(data.problems).map(function (k) { return data.problems[k]; }).join(" "));
        } else {
          say("Not saved: " + (data.message || "the server refused it."));
        }
      })
      .catch(function (error) {
        if (error.message === "signed-out") {
          say("Not saved: you are signed out. Your text is kept in this browser; sign in again and open this page to save it.");
        } else {
          say("Not saved, retrying… Your text is kept in this browser.");
          again();
        }
      })
      .then(function () { saving = false; if (dirty) { schedule(); } });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () { save(false); }, 3000);
  }

  function changed() { dirty = true; remember(); schedule(); }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty) { save(true); }
  });
  window.addEventListener("pagehide", function () { if (dirty) { save(true); } });

  if (restore()) { remember(); save(false); }
}());
