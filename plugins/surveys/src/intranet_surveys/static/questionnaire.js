// Conditional questions shown and hidden as the person answers.
// Progressive enhancement: without this script every question of the page is
// shown, each conditional one with a line saying when to answer it, and the
// server ignores answers to questions whose condition does not hold.
(function () {
  "use strict";
  var form = document.querySelector("[data-questionnaire]");
  if (!form) {
    return;
  }
  var dependants = form.querySelectorAll("[data-show-if]");
  if (!dependants.length) {
    return;
  }

  function chosen(name) {
    var values = [];
    form.querySelectorAll("input[name='" + name + "']").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) {
        values.push(input.value);
      }
    });
    return values;
  }

  function update() {
    dependants.forEach(function (question) {
      var wanted = (question.getAttribute("data-show-values") || "").split(" ");
      var show = chosen(question.getAttribute("data-show-if")).some(function (value) {
        return wanted.indexOf(value) !== -1;
      });
      question.hidden = !show;
      // A hidden question sends nothing; its explanatory line is not needed when shown.
      question.querySelectorAll("input, textarea, select").forEach(function (input) {
        input.disabled = !show;
      });
      var hint = question.querySelector(".question-condition");
      if (hint) {
        hint.hidden = true;
      }
    });
  }

  form.addEventListener("change", update);
  update();
})();
