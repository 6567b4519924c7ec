/* Pickers that answer as you type; every one works without this script too.
 *
 * 1. A search form marked data-picker="<JSON URL>" (the candidate of a new loop, the
 *    interviewer of a seat) is a plain GET form without JavaScript. With it, typing
 *    asks the URL for at most 20 matches ({results: [{id, name, email}], summary})
 *    and redraws the choices in place: radio buttons (data-picker-kind="radio", the
 *    default) or a select's options (data-picker-kind="select"). The choice already
 *    made and options marked data-keep (nobody, the seat's holder) always stay; a
 *    radio button kept although the search does not match it comes first, says so,
 *    and is not counted. The sentence counting the matches (data-picker-status) is a
 *    polite live region.
 *    Enter on a radio button presses the form's button marked data-picker-enter
 *    (a new loop's "Start the loop"), not its first one (Search).
 *    A form marked data-picker-lazy (a seat) asks once, unasked, when its search box
 *    or its list is focused or pointed at: the page lists nobody up front.
 * 2. A select marked data-zone-filter gets a filter box above it: typing narrows the
 *    options (and their groups) to those where every word typed starts a word of the
 *    label, the zone's name or one of its former names (data-former: "Kiev" finds
 *    Europe/Kyiv, "US/Eastern" America/New_York), accents and case aside; the
 *    person's own choice (the zone saved, or the one they chose in the list or with
 *    Enter) always stays, uncounted. Only the person chooses: a filter that leaves
 *    one zone lists it and the live status names it, but the zone stays theirs
 *    until Enter or the list chooses it (issue 14: narrowing to one zone chose it
 *    unasked); the form's button meanwhile sends nothing and says what to do.
 *    A filter matching nothing says "No zone matches", shows their choice alone,
 *    and sends nothing; clearing the filter leaves their choice as it is.
 * 3. A select also marked data-browser-zone (one's own profile) offers the browser's
 *    zone, "Your browser is in Europe/Berlin: use it", when the list has it and it
 *    is not the zone saved; the button chooses it (saving is still the person's).
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function words(text) { return fold(text).split(/\s+/).filter(Boolean); }
  function byId(id) { return id ? document.getElementById(id) : null; }

  /* --- 1. Type-ahead over a JSON search ------------------------------------ */

  /* A candidate's radio button, as the new-loop template draws it: "Chosen" shows
   * while it is checked (style.css). */
  function radio(list, item, checked) {
    var label = document.createElement("label");
    var input = document.createElement("input");
    var hint = document.createElement("span");
    var tag = document.createElement("span");
    label.className = "check";
    label.dataset.name = item.name;
    input.type = "radio";
    input.name = list.dataset.name || "candidate_id";
    input.value = String(item.id);
    input.id = "candidate-" + item.id;
    input.checked = checked;
    hint.className = "hint";
    hint.textContent = " · " + (item.email || "no email");
    tag.className = "chosen-tag";
    tag.textContent = "Chosen";
    label.appendChild(input);
    label.appendChild(document.createTextNode(" " + item.name));
    label.appendChild(hint);
    label.appendChild(tag);
    return label;
  }

  /* The choice made stays, first, when a search no longer matches it: marked as
   * such, and not counted with the matches. */
  function keptChoice(label) {
    if (!label.classList.contains("kept-choice")) {
      var note = document.createElement("span");
      note.className = "hint kept-note";
      note.textContent = "(your earlier choice, not in these results)";
      label.classList.add("kept-choice");
      label.appendChild(note);
    }
    return label;
  }

  function drawRadios(list, results) {
    var chosen = list.querySelector("input[type=radio]:checked");
    var keep = chosen && !results.some(function (r) { return String(r.id) === chosen.value; });
    var kept = keep ? keptChoice(chosen.closest("label")) : null;
    list.replaceChildren();
    if (kept) list.appendChild(kept);
    results.forEach(function (item) {
      list.appendChild(radio(list, item, !!chosen && chosen.value === String(item.id)));
    });
    if (!kept) return "";
    return " Your choice, " + kept.dataset.name +
      ", stays listed first; it is not among the candidates shown.";
  }

  function drawOptions(select, results) {
    var keep = Array.prototype.filter.call(select.options, function (o) {
      return o.hasAttribute("data-keep") || o.selected;
    });
    var values = keep.map(function (o) { return o.value; });
    select.replaceChildren.apply(select, keep);
    results.forEach(function (item) {
      if (values.indexOf(String(item.id)) !== -1) return;
      select.appendChild(new Option(item.name + " (" + item.email + ")", String(item.id)));
    });
  }

  function typeAhead(form) {
    // The search box may sit outside its form element (joined by form="...").
    var input = Array.prototype.find.call(form.elements, function (el) {
      return el.type === "search";
    });
    var list = byId(form.dataset.pickerList);
    var status = byId(form.dataset.pickerStatus);
    var mirror = byId(form.dataset.pickerMirror);
    var kind = form.dataset.pickerKind || "radio";
    var timer = null, pending = null;
    if (!input || !list) return;

    function ask() {
      var query = input.value;
      if (mirror) mirror.value = query;
      if (pending) pending.abort();
      pending = new AbortController();
      var url = form.dataset.picker + "?q=" + encodeURIComponent(query.slice(0, 200));
      fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: pending.signal
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          if (response.ok && data) return data;
          var failure = new Error(String(response.status));
          failure.said = data && data.message;  // a refused search says why
          throw failure;
        });
      }).then(function (data) {
        var kept = "";
        if (kind === "select") drawOptions(list, data.results);
        else kept = drawRadios(list, data.results);
        if (status) status.textContent = data.summary + kept;
      }).catch(function (error) {
        if (error.name === "AbortError") return;
        if (status) {
          status.textContent = error.said || "The search did not answer; press Search to try again.";
        }
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    // A seat lists its people when someone goes to choose (the page does not).
    if (form.hasAttribute("data-picker-lazy")) {
      var asked = false;
      var first = function () { if (!asked) { asked = true; ask(); } };
      input.addEventListener("focus", first);
      list.addEventListener("focus", first);
      list.addEventListener("pointerenter", first);
    }
    // The form's own submission (a new loop's "Start the loop") goes ahead. Which
    // button sent it is remembered from the click too, for browsers without
    // SubmitEvent.submitter (Safari before 15.4).
    var passing = null;
    form.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button, input");
      passing = button && button.hasAttribute("data-picker-pass") ? button : null;
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.type === "search") passing = null;
    });
    // Enter on a listed radio button means "this one": it presses the button marked
    // data-picker-enter ("Start the loop"), not the form's first one, Search (issue
    // 14). Enter in the search box still searches.
    var enter = form.querySelector("[data-picker-enter]");
    if (enter) {
      list.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" || event.target.type !== "radio") return;
        if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
        event.preventDefault();  // no implicit submission by the first button
        enter.click();
      });
    }
    form.addEventListener("submit", function (event) {
      var submitter = "submitter" in event ? event.submitter : passing;
      passing = null;
      if (submitter && submitter.hasAttribute("data-picker-pass")) return;
      event.preventDefault();  // answer in place: a choice already made stays
      clearTimeout(timer);
      ask();
    });
  }

  /* --- 2. Filtering a long select (time zones) ------------------------------ */

  /* The words a typed word may start, from the label, the name and the former names:
   * each as written ("us/eastern"), each part of a name ("new_york"), each plain
   * word ("new", "york"), and the offset with its sign only ("+5:30", "+05:30"), so
   * that "utc" finds UTC, not every zone. Kept on the option once made. */
  var OFFSET = /utc([+-])(\d\d):(\d\d)/;

  function zoneWords(option) {
    if (option._zoneWords) return option._zoneWords;
    var text = fold(option.textContent);
    var result = [];
    var offset = OFFSET.exec(text);
    if (offset) {
      result.push(offset[1] + offset[2] + ":" + offset[3]);
      result.push(offset[1] + Number(offset[2]) + ":" + offset[3]);
      text = text.replace(OFFSET, " ");
    }
    var names = [option.value].concat((option.dataset.former || "").split(" "));
    fold(text + " " + names.join(" ")).split(/[\s,;·—()]+/).forEach(function (word) {
      if (!word) return;
      result.push(word);
      word.split("/").slice(1).forEach(function (part) { result.push(part); });
      word.split(/[^a-z0-9]+/).forEach(function (part) { if (part) result.push(part); });
    });
    option._zoneWords = result;
    return result;
  }

  /* A typed "UTC+5" or "GMT+5" means the offset "+5". */
  function typedZoneWords(text) {
    return words(text).map(function (w) { return w.replace(/^(?:utc|gmt)(?=[+-])/, ""); });
  }

  function zoneFilter(select, index) {
    var original = Array.prototype.map.call(select.children, function (node) {
      return node.cloneNode(true);
    });
    var box = document.createElement("div");
    var label = document.createElement("label");
    var input = document.createElement("input");
    var status = document.createElement("p");
    var id = (select.id || "zone-" + index) + "-filter";
    label.className = "hint";
    label.htmlFor = id;
    label.textContent = "Filter the time zones (city, country or region)";
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("aria-controls", select.id);
    status.className = "hint";
    status.id = id + "-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", status.id);
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    select.parentNode.insertBefore(box, select);

    // The person's own choice: the zone saved (or typed in a refused save), then
    // whatever they choose in the list or with Enter. The filter never chooses.
    var own = select.value;
    select.addEventListener("change", function () { own = select.value; });
    function choose(value) {
      own = value;
      if (select.value === value) return;
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function named(value) {
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      return option ? option.textContent : value;
    }

    input.addEventListener("input", function () {
      var wanted = typedZoneWords(input.value);
      var chosen = own;
      var shown = 0;
      // Every typed word starts a word of the zone ("utc" is not found inside
      // "Dutch"); the chosen zone stays, but is not counted.
      function found(option) {
        var names = zoneWords(option);
        return wanted.every(function (w) {
          return names.some(function (name) { return name.indexOf(w) === 0; });
        });
      }
      function matches(option) {
        var hit = found(option);
        if (hit) {
          shown += 1;
          found.values.push(option.value);
        }
        return hit || option.value === chosen;
      }
      var nodes = [];
      found.values = [];
      original.forEach(function (node) {
        if (node.tagName === "OPTGROUP") {
          var group = node.cloneNode(false);
          Array.prototype.forEach.call(node.children, function (option) {
            if (matches(option)) group.appendChild(option.cloneNode(true));
          });
          if (group.children.length) nodes.push(group);
        } else if (matches(node)) {
          nodes.push(node.cloneNode(true));
        }
      });
      select.replaceChildren.apply(select, nodes);
      listed = wanted.length ? found.values : [];
      choose(chosen);
      if (listed.length === 1 && listed[0] !== chosen) {
        // One zone left: offered, not chosen (issue 14: a filter narrowed to one
        // zone chose it unasked). Enter or the list chooses it; the form's button
        // meanwhile sends nothing and says so (the submit handler below).
        status.textContent = "1 zone listed: " + named(listed[0]) +
          ". Press Enter or choose it in the list; the zone stays " + named(chosen) + ".";
        return;
      }
      if (!wanted.length) status.textContent = "";
      else if (shown) status.textContent = shown + (shown === 1 ? " zone" : " zones") + " listed.";
      else status.textContent = "No zone matches “" + input.value.trim() + "”: the zone stays " + named(chosen) + ".";
    });

    // Enter in the filter never sends the form with the zone still unchanged: it
    // chooses the one zone listed, or moves to the list to choose among several.
    var listed = [];
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (listed.length === 1) {
        choose(listed[0]);  // Enter makes the zone found theirs
        status.textContent = "Chosen: " + named(listed[0]) + ".";
      } else if (listed.length > 1) {
        status.textContent = "Choose one of the " + listed.length + " zones listed.";
        select.focus();
      } else {
        status.textContent = input.value.trim()
          ? "No zone matches “" + input.value.trim() + "”: the zone stays " + named(own) + "."
          : "";
      }
    });

    // Nor does a button: a place typed in the filter but not chosen in the list
    // would be saved as the zone shown before it (a review saved Chicago's
    // interview in UTC). The form waits, and says what to do.
    if (select.form) {
      select.form.addEventListener("submit", function (event) {
        var typed = input.value.trim();
        if (!typed || listed.indexOf(select.value) !== -1) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        var option = select.options[select.selectedIndex];
        var current = option ? option.textContent : select.value;
        status.textContent = listed.length
          ? "Nothing was sent: the zone is still " + current + ". Choose " +
            (listed.length === 1 ? "the zone" : "one of the " + listed.length + " zones") +
            " listed for “" + typed + "”, or clear the filter."
          : "Nothing was sent: no zone matches “" + typed + "”, and the zone is still " +
            current + ". Type another place, or clear the filter.";
        select.focus();
      }, true);
    }
  }

  /* --- 3. The browser's own zone, offered (the profile page) --------------- */

  /* The option for a zone the browser names, by its name or a former one (Chromium
   * still says "Asia/Calcutta" where the list has Asia/Kolkata); null if the list
   * does not offer it. */
  function zoneOption(select, name) {
    return Array.prototype.find.call(select.querySelectorAll("option"), function (o) {
      return o.value === name || (o.dataset.former || "").split(" ").indexOf(name) !== -1;
    }) || null;
  }

  function browserZone(select) {
    var name = "";
    try { name = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    var option = name && zoneOption(select, name);
    // The zone saved is the attribute's value; the option marked selected is the one
    // typed when a save was refused, and may not be saved at all.
    var savedValue = select.getAttribute("data-browser-zone");
    if (!savedValue) {
      var saved = select.querySelector("option[selected]");
      savedValue = saved ? saved.value : "";
    }
    if (!option || savedValue === option.value) return;
    var zone = option.value;
    var box = document.createElement("p");
    var text = document.createElement("span");
    var button = document.createElement("button");
    var id = (select.id || "zone") + "-browser";
    box.className = "hint browser-zone";
    text.id = id;
    text.textContent = "Your browser is in " + zone + ": ";
    button.type = "button";
    button.className = "link-button";
    button.textContent = "use it";
    button.setAttribute("aria-describedby", id);
    box.appendChild(text);
    box.appendChild(button);
    select.parentNode.insertBefore(box, select.nextSibling);
    // Shown while another zone is chosen: choosing it here or in the list hides it.
    function update() { box.hidden = select.value === zone; }
    select.addEventListener("change", update);
    update();  // a refused save may have kept it chosen already
    button.addEventListener("click", function () {
      var filter = byId(select.id + "-filter");
      if (filter && filter.value) {  // the zone may be filtered out: list all again
        filter.value = "";
        filter.dispatchEvent(new Event("input"));
      }
      select.value = zone;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      select.focus();
    });
  }

  document.querySelectorAll("form[data-picker]").forEach(typeAhead);
  document.querySelectorAll("select[data-zone-filter]").forEach(zoneFilter);
  document.querySelectorAll("select[data-browser-zone]").forEach(browserZone);
})();
