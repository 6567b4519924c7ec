/* A date and time half typed (issue 14): a datetime-local with one part cleared
 * (Backspace on the day, say) is sent empty by the browser (validity.badInput,
 * value ""), and the server read that as "no time yet": the session lost its time
 * and its interviewers were sent cancellations. On submit, a form holding such a
 * field sends nothing; a message next to the field says why (role="alert", so a
 * screen reader announces it) and the focus goes back to the field. The server
 * still asks before clearing a time on anyone's calendar, scripts or not. */
(function () {
  "use strict";
  function message(field) {
    var id = field.id + "-incomplete";
    var shown = document.getElementById(id);
    if (!shown) {
      shown = document.createElement("p");
      shown.id = id;
      shown.className = "error";
      shown.setAttribute("role", "alert");
      field.insertAdjacentElement("afterend", shown);
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      described.push(id);
      field.setAttribute("aria-describedby", described.join(" "));
    }
    return shown;
  }
  function clear(field) {
    var shown = document.getElementById(field.id + "-incomplete");
    if (shown) shown.textContent = "";
    if (field.dataset.incomplete) {
      field.removeAttribute("aria-invalid");
      delete field.dataset.incomplete;
    }
  }
  document.querySelectorAll("form").forEach(function (form) {
    var fields = form.querySelectorAll('input[type="datetime-local"]');
    if (!fields.length) return;
    fields.forEach(function (field) {
      field.addEventListener("input", function () {
        if (!field.validity.badInput) clear(field);
      });
    });
    form.addEventListener("submit", function (event) {
      var bad = Array.prototype.filter.call(fields, function (f) { return f.validity.badInput; });
      if (!bad.length) return;
      event.preventDefault();
      bad.forEach(function (field) {
        var label = form.querySelector('label[for="' + field.id + '"]');
        var name = label ? label.textContent.trim() : "This field";
        message(field).textContent = "The date and time are incomplete: " + name +
          " has a part missing. Fill in every part (day, month, year, hour and minute), " +
          "or clear all of them to leave the time unset.";
        field.setAttribute("aria-invalid", "true");
        field.dataset.incomplete = "y";
      });
      bad[0].focus();
    }, true);
  });
})();
