// A new API token (issue 15): selected whole when focused, and a Copy button where
// the browser lets a page write to the clipboard. Without this script the field is
// still there to select and copy by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
    if (document.activeElement === field || field.closest("[autofocus]")) { field.select(); }
  });
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    var said = document.getElementById(button.dataset.copy + "-copied");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (said) { said.textContent = "Copied."; }
      }, function () {
        field.focus();
        if (said) { said.textContent = "Could not copy: the token is selected, copy it with Ctrl+C."; }
      });
    });
  });
})();
