/* "Nothing to report": tick "no" on every yes/no question and the first option
   of every choice question (numbers and text are left to type). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-all-normal]");
    if (!button) { return; }
    button.form.querySelectorAll("fieldset[data-question]").forEach(function (fieldset) {
      var no = fieldset.querySelector("input[type=radio][value=no]");
      var first = fieldset.querySelector("input[type=radio]");
      var pick = no || first;
      if (pick) { pick.checked = true; }
    });
  });
})();
