/* Scorecard drafts that are never lost.
 *
 * Every change is copied to this browser's localStorage at once, and sent to the
 * server a few seconds after typing stops and when the page is hidden or left. If
 * the server cannot be reached, or the session has ended, the copy stays in the
 * browser and is put back into the form the next time the page opens.
 * Without JavaScript, the Save draft button does the same job.
 */
(function () {
  "use strict";
  var form = document.getElementById("scorecard");
  /* A double click on Submit sends one request: the buttons are disabled just after
     the first submission leaves (the server also treats a repeat as done). */
  if (form) {
    form.addEventListener("submit", function () {
      setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll("[type=submit]"), function (b) { b.disabled = true; });
      }, 0);
    });
  }
  if (!form || form.dataset.submitted === "yes") {
    if (form) { try { localStorage.removeItem(form.dataset.storageKey); } catch (e) {} }
    return;
  }
  var url = form.dataset.autosaveUrl;
  var key = form.dataset.storageKey;
  var status = document.getElementById("save-status");
  var version = form.querySelector("input[name=version]");
  var timer = null, retry = null, delay = 3000, dirty = false, saving = false;

  function say(text) { if (status) { status.textContent = text; } }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.name !== "version" && el.type !== "submit";
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

  function remember() {
    try {
      localStorage.setItem(key, JSON.stringify({ fields: snapshot(), version: version.value, at: Date.now() }));
    } catch (e) { /* private mode or full: the server copy still saves */ }
  }

  function restore() {
    var kept;
    try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.fields) { return false; }
    if (kept.version !== version.value) {
      /* Saved on the server since (another device, or the plain Save button): the
         server copy is newer, so the old browser copy is not put back over it. */
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

  function save(leaving) {
    if (saving && !leaving) { dirty = true; return; }
    var body = new FormData(form);
    body.delete("save"); body.delete("submit");
    if (leaving && navigator.sendBeacon) { navigator.sendBeacon(url, body); return; }
    saving = true; dirty = false;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        /* An ended session shows as the sign-in page (redirect) or as a refused
           security token (400): either way, signing in again is what helps. */
        var ended = response.redirected || response.status === 400 || response.status === 401;
        if (!json) { throw new Error(ended ? "signed-out" : "server"); }
        return response.json().then(function (data) { return { response: response, data: data }; });
      })
      .then(function (result) {
        var data = result.data;
        if (data.ok) {
          version.value = data.version;
          delay = 3000;
          say("Saved at " + clock(data.saved_at) + ".");
          if (!dirty) { try { localStorage.removeItem(key); } catch (e) {} }
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
          clearTimeout(retry);
          retry = setTimeout(function () { save(false); }, delay);
          delay = Math.min(delay * 2, 60000);
        }
      })
      .then(function () { saving = false; if (dirty) { schedule(); } });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () { save(false); }, 3000);
  }

  form.addEventListener("input", function () { remember(); dirty = true; schedule(); });
  form.addEventListener("change", function () { remember(); dirty = true; schedule(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty) { save(true); }
  });
  window.addEventListener("pagehide", function () { if (dirty) { save(true); } });

  if (restore()) { remember(); save(false); }
}());
