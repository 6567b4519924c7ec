/* Fields with a length limit, text areas and one-line inputs alike (data-limit, set
 * by the form macro instead of maxlength, which cut a paste silently: issue 14; a
 * name pasted past 200 characters lost its end unseen). A counter under the field
 * shows the characters left once the text nears the limit and by how much it is
 * over; nothing is cut, and the server refuses an over-long text with its message,
 * keeping it. The counter changes on every key, so it is not a live region (a
 * screen reader would read it after each one): a separate polite status announces
 * only the thresholds crossed, 10%, 5% and 1% left, none left, and over the limit. */
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-limit], input[data-limit]").forEach(function (field) {
    var limit = Number(field.dataset.limit);
    var count = document.createElement("p");
    count.id = field.id + "-count";
    count.className = "hint";
    var status = document.createElement("p");
    status.id = field.id + "-count-status";
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", count);
    count.insertAdjacentElement("afterend", status);
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(count.id);
    field.setAttribute("aria-describedby", described.join(" "));
    function band(left) {
      if (left < 0) return 5;
      if (left === 0) return 4;
      if (left <= limit * 0.01) return 3;
      if (left <= limit * 0.05) return 2;
      if (left <= limit * 0.1) return 1;
      return 0;
    }
    // A refused form shown again says "Too long" under the field already (the
    // server's message): the counter stays silent until the text is edited, then
    // the live count takes that message's place, so eye and ear get one message.
    var served = document.getElementById(field.id + "-error");
    var quiet = !!(served && /^Too long/.test(served.textContent.trim()));
    field.addEventListener("input", function () {
      if (!quiet) return;
      quiet = false;
      served.hidden = true;
      var ids = (field.getAttribute("aria-describedby") || "").split(" ");
      field.setAttribute("aria-describedby", ids.filter(function (id) {
        return id && id !== served.id;
      }).join(" "));
    });
    var shown = null;
    function update() {
      if (quiet) {
        shown = band(limit - field.value.length);
        return;
      }
      var length = field.value.length;
      var over = length - limit;
      count.classList.toggle("error", over > 0);
      if (over > 0) {
        count.textContent = "Too long: " + length.toLocaleString("en") + " characters, at most " +
          limit.toLocaleString("en") + ". Remove " + over.toLocaleString("en") +
          " to save; nothing was cut.";
      } else if (band(-over) > 0) {
        count.textContent = (-over).toLocaleString("en") + " characters left.";
      } else {
        count.textContent = "";
      }
      var now = band(-over);
      if (shown !== null && now !== shown) {
        status.textContent = count.textContent;
      }
      shown = now;
    }
    field.addEventListener("input", update);
    update();
  });
})();
