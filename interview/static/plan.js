/* The interview plan's coverage line, kept true as boxes are ticked and seats
 * changed (review of issue 14): which competencies of the rubric no session covers,
 * or covers with no interviewer of a discipline the rubric asks for. The same
 * sentence as the server's (loops/coverage.py, plan_gaps_sentence), in the polite
 * live region #plan-coverage-status; saving such a plan still asks to confirm. */
(function () {
  "use strict";

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
