/* The interview plan's sessions, on the requisition's plan and a loop's page.
 *
 * 1. A session whose last competency box is unticked says at once, beside its boxes,
 *    that it would be refused (issue 14: the server refuses a session without a
 *    competency, and the page said so only after saving): the server's sentence, in
 *    a polite live region made for each group of boxes, which also describes the
 *    boxes while it shows; ticking one again clears it. A group already empty when
 *    the page opens (a session being added) says nothing until a box is touched.
 * 2. The plan's coverage line, kept true as boxes are ticked and seats changed
 *    (review of issue 14): which competencies of the rubric no session covers, or
 *    covers with no interviewer of a discipline the rubric asks for. The same
 *    sentence as the server's (loops/coverage.py, plan_gaps_sentence), in the polite
 *    live region #plan-coverage-status; saving such a plan still asks to confirm. */
(function () {
  "use strict";

  /* --- 1. A session left without a competency --------------------------------- */

  // loops/forms.py, LoopSessionForm.validate_competency_keys
  var EMPTY = "Choose at least one competency: a session without one has nothing" +
    " to rate.";

  function describedBy(box, id, on) {
    var ids = (box.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    ids = ids.filter(function (x) { return x !== id; });
    if (on) ids.push(id);
    if (ids.length) box.setAttribute("aria-describedby", ids.join(" "));
    else box.removeAttribute("aria-describedby");
  }

  function watchEmpty(group) {
    var boxes = group.querySelectorAll("input[type=checkbox]");
    if (!boxes.length || !group.id) return;
    var note = document.createElement("div");
    note.id = group.id + "-empty";
    note.setAttribute("role", "status");
    note.setAttribute("aria-live", "polite");
    // After the legend and any error the server gave, before the boxes.
    var last = group.querySelector(":scope > .error") || group.querySelector(":scope > legend");
    group.insertBefore(note, last ? last.nextSibling : group.firstChild);
    group.addEventListener("change", function (event) {
      if (event.target.type !== "checkbox") return;
      var empty = !group.querySelector("input[type=checkbox]:checked");
      var text = empty ? EMPTY : "";
      if (note.textContent !== text) note.textContent = text;
      note.className = empty ? "error" : "";
      Array.prototype.forEach.call(boxes, function (box) {
        describedBy(box, note.id, empty);
      });
    });
  }

  Array.prototype.forEach.call(
    document.querySelectorAll("fieldset.competency-boxes"), watchEmpty
  );

  /* --- 2. The plan's coverage line ------------------------------------------ */

  var section = document.getElementById("plan-coverage");
  var status = document.getElementById("plan-coverage-status");
  var form = document.getElementById("plan-form");
  if (!section || !status || !form) return;
  var competencies = JSON.parse(section.getAttribute("data-competencies") || "[]");

  function seats(fieldset, side) {
    var input = fieldset.querySelector("input[name$='-" + side + "_seats']");
    var n = input ? parseInt(input.value, 10) : 0;
    return isNaN(n) ? 0 : n;
  }

  function sentence() {
    var sessions = Array.prototype.map.call(
      form.querySelectorAll("[data-plan-session]"),
      function (fieldset) {
        var keys = Array.prototype.map.call(
          fieldset.querySelectorAll("input[type=checkbox]:checked"),
          function (box) { return box.value; }
        );
        return { keys: keys, clinical: seats(fieldset, "clinical"), technical: seats(fieldset, "technical") };
      }
    );
    var gaps = [];
    competencies.forEach(function (c) {
      var covering = sessions.filter(function (s) { return s.keys.indexOf(c.key) !== -1; });
      var missing = c.needs.filter(function (side) {
        return !covering.some(function (s) { return s[side] > 0; });
      });
      if (!missing.length) return;
      gaps.push(covering.length
        ? c.name + " (no " + missing.join(" or ") + " interviewer)"
        : c.name + " (no session covers it)");
    });
    return gaps.length
      ? { text: "Not covered yet: " + gaps.join("; ") + ".", gap: true }
      : { text: "Every competency of the rubric has the interviewers it needs.", gap: false };
  }

  function update() {
    var found = sentence();
    if (status.textContent !== found.text) status.textContent = found.text;
    status.className = found.gap ? "error" : "hint";
  }

  form.addEventListener("change", update);
  form.addEventListener("input", function (event) {
    if (/_seats$/.test(event.target.name || "")) update();
  });
  update();
})();
