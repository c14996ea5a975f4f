// The order form ticks the tests each chosen indication asks for by default
// (order_catalogue.toml [defaults]) until the clinician changes a test by hand; from then
// on the ticks are theirs. It also tells the server that the ticks are a choice, so that
// a form with nothing ticked is refused instead of taking the defaults.
(function () {
  "use strict";
  const form = document.getElementById("order-form");
  if (!form) return;
  const mode = form.querySelector("input[name=tests_set]");
  const tests = Array.from(form.querySelectorAll("input[name=tests]"));
  const indications = Array.from(form.querySelectorAll("input[name=indications]"));
  let touched = tests.some((box) => box.checked);
  if (mode) mode.value = "chosen";
  function follow() {
    if (touched) return;
    const chosen = indications.filter((box) => box.checked).map((box) => box.value);
    for (const box of tests) {
      const wanted = (box.dataset.defaultFor || "").split(" ");
      box.checked = chosen.some((value) => wanted.includes(value));
    }
  }
  for (const box of indications) box.addEventListener("change", follow);
  for (const box of tests) box.addEventListener("change", () => { touched = true; });
  follow();
})();
