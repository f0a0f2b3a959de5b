// The builder: show only the fields the chosen kind of question uses.
// Without this script the fields follow the kind of question each time the form comes back (saved,
// or a question added or moved).
(function () {
  "use strict";
  var form = document.querySelector("[data-builder]");
  if (!form) {
    return;
  }
  var uses = {};
  try {
    uses = JSON.parse(form.getAttribute("data-types") || "{}");
  } catch (e) {
    return;
  }
  function update(select) {
    var kind = uses[select.value] || {};
    var question = select.closest("fieldset");
    question.querySelectorAll("[data-uses]").forEach(function (part) {
      part.hidden = !kind[part.getAttribute("data-uses")];
    });
  }
  form.querySelectorAll("[data-question-type]").forEach(function (select) {
    select.addEventListener("change", function () { update(select); });
  });
})();
