// Progressive enhancement of the page shell; everything works without it.
// The user menu (a <details> element) also closes on Escape and on a click elsewhere.
(function () {
  "use strict";
  var menus = document.querySelectorAll("details.user-menu");
  if (!menus.length) {
    return;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
})();
