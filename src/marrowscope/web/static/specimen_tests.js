// The specimen form shows only the ordered tests the chosen tube can carry, and unticks
// the ones it hides, so that what is sent matches what is seen (the server checks again).
(function () {
  "use strict";
  const form = document.getElementById("specimen-form");
  if (!form) return;
  const kind = form.querySelector("select[name=kind]");
  const labels = Array.from(form.querySelectorAll("label[data-kinds]"));
  if (!kind) return;
  function follow() {
    for (const label of labels) {
      const fits = (label.dataset.kinds || "").split(" ").includes(kind.value);
      // style, not the hidden attribute: the label's own display rule would override it
      label.style.display = fits ? "" : "none";
      if (!fits) label.querySelector("input").checked = false;
    }
  }
  kind.addEventListener("change", follow);
  follow();
})();
