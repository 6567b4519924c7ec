// After an action the page says how it went in its flash messages (issue 14): they
// take the focus, so a keyboard or screen reader user hears the outcome and goes on
// from there, not from the top of the page. A page that gives the focus elsewhere
// (an autofocus: a question, an error summary) keeps its own.
//
// An action that lands on a section of the page (a redirect to #proposal-reasons
// after "Seat this panel", to #session-3 after "Save time and place") still says
// first how it went: the browser focuses the section, which does not say so, so the
// messages take the focus back, and a link after them leads to the section. Without
// this script the section keeps the focus, as the browser gives it.
(function () {
  "use strict";
  var flashes = document.getElementById("flashes");
  if (!flashes) return;
  var target = fragmentTarget();
  var chosen = document.querySelector("[autofocus]");
  if (chosen && chosen !== target) return;
  var active = document.activeElement;
  if (active && active !== document.body && active !== target) return;
  if (target && !flashes.contains(target)) flashes.appendChild(linkTo(target));
  nameBy(flashes.querySelectorAll(".flash"));
  flashes.focus();
  var release = target ? holdAgainstTheFragment(target) : function () {};

  // The browser moves the focus to the fragment's target (or clears it, for a target
  // that cannot take it) once the page has settled, after this script has run: the
  // messages take it back, until the person presses a key or points somewhere.
  function holdAgainstTheFragment(section) {
    function back(event) {
      if (event.type === "focusin" && event.target !== section) return;
      setTimeout(function () {
        var now = document.activeElement;
        if (!now || now === section || now === document.body) flashes.focus();
      }, 0);
    }
    function stop() {
      document.removeEventListener("focusin", back, true);
      flashes.removeEventListener("focusout", back);
      document.removeEventListener("keydown", stop, true);
      document.removeEventListener("pointerdown", stop, true);
    }
    document.addEventListener("focusin", back, true);
    flashes.addEventListener("focusout", back);
    document.addEventListener("keydown", stop, true);
    document.addEventListener("pointerdown", stop, true);
    return stop;
  }

  function fragmentTarget() {
    if (!location.hash) return null;
    try {
      return document.getElementById(decodeURIComponent(location.hash.slice(1)));
    } catch (e) {
      return null;  // a malformed fragment names nothing
    }
  }

  // Focused, the messages are read out by their text: a named group.
  function nameBy(messages) {
    var ids = [];
    Array.prototype.forEach.call(messages, function (message, i) {
      if (!message.id) message.id = "flash-" + (i + 1);
      ids.push(message.id);
    });
    if (!ids.length || flashes.hasAttribute("aria-labelledby")) return;
    flashes.setAttribute("role", "group");
    flashes.setAttribute("aria-labelledby", ids.join(" "));
  }

  // "Go to the section “Why the proposed panel was chosen”": the section's own name
  // (its aria-labelledby, aria-label, or first heading). Following it focuses the
  // section, as landing there did.
  function linkTo(section) {
    var p = document.createElement("p");
    var a = document.createElement("a");
    var name = sectionName(section);
    p.className = "flash-next";
    a.href = "#" + section.id;
    a.textContent = name ? "Go to the section \u201c" + name + "\u201d" : "Go to the section";
    a.addEventListener("click", function (event) {
      event.preventDefault();
      release();  // a screen reader's click comes without a key or a pointer
      if (!section.hasAttribute("tabindex")) section.setAttribute("tabindex", "-1");
      section.focus();
      section.scrollIntoView({ block: "start" });
    });
    p.appendChild(a);
    return p;
  }

  function sectionName(section) {
    var by = section.getAttribute("aria-labelledby");
    var text = "";
    if (by) {
      text = by.split(/\s+/).map(function (id) {
        var el = document.getElementById(id);
        return el ? el.textContent : "";
      }).join(" ");
    } else if (section.getAttribute("aria-label")) {
      text = section.getAttribute("aria-label");
    } else {
      var heading = section.querySelector("h1, h2, h3, h4, h5, h6");
      text = heading ? heading.textContent : "";
    }
    return text.replace(/\s+/g, " ").trim();
  }
})();
