/* Scorecard drafts that are never lost.
 *
 * Every change is copied to this browser's localStorage at once, and sent to the
 * server a few seconds after typing stops and when the page is hidden or left. If
 * the server cannot be reached, or the session has ended, the copy stays in the
 * browser and is put back into the form the next time the page opens. A copy that
 * cannot go back by itself (the server has newer text from elsewhere) is shown in a
 * box to put back or discard: it is never dropped unseen.
 * Without JavaScript, the Save draft button does the same job.
 *
 * Each request carries this page's edit token and a number that grows with every
 * request (edit_seq), so the server never treats this page's own earlier save as a
 * conflict, and ignores a late, older request of this page. A page that puts back
 * its predecessor's copy (after a reload) names that page (restored_from) and takes
 * over from it (scorecards/operations.py).
 */
(function () {
  "use strict";
  var form = document.getElementById("scorecard");
  var box = document.getElementById("kept-copy");
  var key = (form || box) && (form ? form.dataset.storageKey : box.dataset.storageKey);
  var seq = form && form.querySelector("input[name=edit_seq]");
  var token = form && form.querySelector("input[name=edit_token]");
  var restoredFrom = form && form.querySelector("input[name=restored_from]");
  var submitting = false, timer = null, retry = null;

  function kept() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function forget() { try { localStorage.removeItem(key); } catch (e) {} }

  function nextSeq() {
    seq.value = String((parseInt(seq.value, 10) || 0) + 1);
    return parseInt(seq.value, 10);
  }

  function fields() {
    return Array.prototype.filter.call(form ? form.elements : [], function (el) {
      return el.name && ["csrf_token", "version", "edit_token", "edit_seq", "restored_from"].indexOf(el.name) < 0 &&
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

  function differs(copy) {
    var current = snapshot();
    return Object.keys(copy.fields).some(function (name) { return (current[name] || "") !== (copy.fields[name] || ""); });
  }

  function put(copy) {
    fields().forEach(function (el) {
      if (!(el.name in copy.fields)) { return; }
      if (el.type === "radio") { el.checked = el.value === copy.fields[el.name]; }
      else { el.value = copy.fields[el.name]; }
    });
  }

  /* One text saved from elsewhere since, one kept here: nothing of either is lost.
     Whichever holds the other is taken whole; otherwise this browser's text, from
     the sentence where the two part, goes after the saved text. */
  function merged(saved, kept) {
    if (!kept || saved.indexOf(kept) !== -1) { return saved; }
    if (!saved || kept.indexOf(saved) === 0) { return kept; }
    var common = 0;
    while (common < saved.length && saved[common] === kept[common]) { common += 1; }
    /* From the start of the sentence where they part, so the addition reads whole. */
    var sentences = kept.slice(0, common).match(/^[\s\S]*[.!?\n]\s/);
    var added = kept.slice(sentences ? sentences[0].length : 0).replace(/^\s+/, "");
    return saved.replace(/\s+$/, "") + "\n\n" + added;
  }

  /* Put a copy back over text saved from elsewhere since: texts merged, choices
     (a rating) as kept here, since putting back was asked for. */
  function putBack(copy) {
    var current = snapshot();
    var fields = {};
    Object.keys(copy.fields).forEach(function (name) {
      var el = form.elements[name];
      var text = el && !(el.length && el[0] && el[0].type === "radio") && el.type !== "radio";
      fields[name] = text ? merged(current[name] || "", copy.fields[name] || "") : copy.fields[name];
    });
    put({ fields: fields });
  }

  function labelOf(name) {
    var el = form && form.elements[name];
    if (el && el.length && el[0] && el[0].type === "radio") {
      var legend = el[0].closest("fieldset") && el[0].closest("fieldset").querySelector("legend");
      return legend ? legend.textContent.trim() : name;
    }
    var label = document.querySelector("label[for='" + name + "']");
    return label ? label.textContent.trim() : name;
  }

  /* "In Evidence for Workflow: " for a server problem's key ("workflow.evidence"),
     nothing for one that belongs to no field ("ratings"). */
  function where(key) {
    var parts = key.split(".");
    var name = parts.length > 1 ? parts[1] + "_" + parts[0] : parts[0];
    return form && form.elements[name] ? "In \u201c" + labelOf(name) + "\u201d: " : "";
  }

  /* Show a copy that cannot go back by itself, to put back or discard. */
  function offer(copy, onUse) {
    if (!box) { return; }
    var list = document.getElementById("kept-copy-fields");
    var current = snapshot();
    list.textContent = "";
    Object.keys(copy.fields).forEach(function (name) {
      if ((current[name] || "") === (copy.fields[name] || "") || !copy.fields[name]) { return; }
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = labelOf(name);
      dd.textContent = copy.fields[name];
      dd.className = "prose";
      list.appendChild(dt); list.appendChild(dd);
    });
    if (!list.firstChild) { forget(); return; }
    var use = document.getElementById("kept-copy-use");
    use.hidden = !onUse;
    use.onclick = function () { box.hidden = true; onUse(); };
    document.getElementById("kept-copy-discard").onclick = function () { forget(); box.hidden = true; };
    box.hidden = false;
  }

  if (form) {
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
  }
  if (!form || form.dataset.submitted === "yes" || !form.dataset.autosaveUrl) {
    /* Submitted or frozen: nothing saves from here, but a copy that differs is shown. */
    var left = key && kept();
    if (left && left.fields && (!form || differs(left))) { offer(left, null); }
    else if (left) { forget(); }
    return;
  }
  var url = form.dataset.autosaveUrl;
  var status = document.getElementById("save-status");
  var version = form.querySelector("input[name=version]");
  var delay = 3000, dirty = false, saving = false, lastSent = 0;

  /* A save that did not happen must not read like one that did: it is marked as a
     problem (colour, weight and a border, not colour alone). */
  function say(text) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("save-status-problem", text.indexOf("Not saved") === 0);
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
    if (form.dataset.refused === "yes") {
      /* This page shows a post the server refused (not saved): what it shows is the
         copy to keep, or reopening the kit would lose it. */
      remember();
      return false;
    }
    var copy = kept();
    if (!copy || !copy.fields) { return false; }
    if (!differs(copy)) { forget(); return false; }
    var unchanged = copy.version === version.value;
    var serverBehind = copy.token && copy.token === form.dataset.savedToken &&
      (parseInt(form.dataset.savedSeq, 10) || 0) <= copy.sent;
    if (!unchanged && !serverBehind) {
      /* Saved on the server since, from elsewhere: show the copy, do not force it. */
      offer(copy, function () {
        putBack(copy);
        changed();
        say("Put back: what this browser kept is added after the text saved from the other window. Check it; it saves as you go.");
      });
      return false;
    }
    put(copy);
    if (copy.token) { restoredFrom.value = copy.token; }
    say("Restored text you typed earlier in this browser that had not reached the server; saving it now.");
    return true;
  }

  function again() {
    clearTimeout(retry);
    retry = setTimeout(function () { save(false); }, delay);
    delay = Math.min(delay * 2, 60000);
  }

  var REFUSED = {
    403: "this scorecard is no longer yours to edit (the seat may have been given to someone else).",
    404: "this scorecard no longer exists.",
    413: "what you typed is larger than the site accepts."
  };

  function save(leaving) {
    if (submitting) { return; }
    if (saving && !leaving) { dirty = true; return; }
    lastSent = nextSeq();
    var body = new FormData(form);
    body.delete("save"); body.delete("submit"); body.delete("amend");
    if (leaving && navigator.sendBeacon) {
      navigator.sendBeacon(url, body);
      dirty = false;  /* one save per unload: pagehide follows visibilitychange */
      return;
    }
    saving = true; dirty = false;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        /* An ended session shows as the sign-in page (redirect) or as a refused
           security token (400): either way, signing in again is what helps. */
        var ended = response.redirected || response.status === 401 || (response.status === 400 && !json);
        if (!json) {
          if (ended) { throw new Error("signed-out"); }
          if (REFUSED[response.status]) { throw new Error("refused:" + response.status); }
          throw new Error("server");
        }
        return response.json().then(function (data) { return { response: response, data: data }; });
      })
      .then(function (result) {
        var data = result.data;
        if (data.ok) {
          version.value = data.version;
          restoredFrom.value = "";
          delay = 3000;
          /* The server's time in the reader's zone ("Wed 2 Dec 2026, 14:30 CET"), as
             the page shows every time: not this device's clock or zone. */
          say("Saved at " + data.saved_label + ".");
          if (strip) { strip.parentNode.hidden = true; }
          if (dirty) { remember(); } else { forget(); }
        } else if (data.retry) {
          say("Not saved yet: " + (data.message || "the server is busy.") + " Retrying; your text is kept in this browser.");
          again();
        } else if (data.stale) {
          say("Not saved: " + data.message + " Your text is kept in this browser.");
        } else if (data.problems) {
          /* Refused for what the text holds: the copy stays in this browser (as for a
             stale save), so reopening the kit brings it back, and each problem names
             its field so the person knows where to look. */
          remember();
          offerStrip(data.problems);
          say("Not saved: " + Object.keys(data.problems).map(function (k) {
            return where(k) + data.problems[k];
          }).join(" "));
        } else {
          say("Not saved: " + (data.message || "the server refused it."));
        }
      })
      .catch(function (error) {
        if (error.message === "signed-out") {
          say("Not saved: you are signed out. Your text is kept in this browser; sign in again and open this page to save it.");
        } else if (error.message.indexOf("refused:") === 0) {
          say("Not saved: " + REFUSED[error.message.slice(8)] + " Your text is kept in this browser.");
        } else {
          say("Not saved, retrying… Your text is kept in this browser.");
          again();
        }
      })
      .then(function () { saving = false; if (dirty) { schedule(); } });
  }

  /* Control characters come from pasting (Word's line break is U+000B): offer to
     take them out of the fields refused for them, a page break or vertical tab
     becoming a line break, so the text saves without hunting for what is invisible. */
  var strip = document.getElementById("strip-controls");
  function offerStrip(problems) {
    if (!strip) { return; }
    var names = Object.keys(problems).filter(function (k) {
      return problems[k].indexOf("control character") !== -1;
    }).map(function (k) { var p = k.split("."); return p.length > 1 ? p[1] + "_" + p[0] : p[0]; })
      .filter(function (name) { return form.elements[name]; });
    strip.parentNode.hidden = !names.length;
    strip.onclick = function () {
      names.forEach(function (name) {
        var el = form.elements[name];
        el.value = el.value.replace(/[\x0b\x0c]/g, "\n").replace(/[\x00-\x08\x0e-\x1f\x7f-\x9f]/g, "");
      });
      strip.parentNode.hidden = true;
      form.elements[names[0]].focus();
      say("Removed the invisible characters; saving now.");
      changed();
    };
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
