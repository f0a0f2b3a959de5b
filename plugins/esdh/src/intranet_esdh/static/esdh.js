// Copy an embed reference with one tap; without JavaScript the field is still there to select and copy.
"use strict";
document.querySelectorAll("[data-copy-target]").forEach((button) => {
  const field = document.getElementById(button.dataset.copyTarget);
  const done = document.querySelector("[data-copied]");
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      if (done) done.hidden = false;
    } catch (error) {
      field.select();
    }
  });
});
document.querySelectorAll("[data-copy]").forEach((field) => {
  field.addEventListener("focus", () => field.select());
});
