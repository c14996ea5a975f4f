// Live safety findings: while the checklist is filled in, the form is sent (debounced)
// to the preview endpoint, which runs the same rules as saving does and saves nothing.
(function () {
  "use strict";
  const form = document.getElementById("checklist");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const list = document.getElementById("live-findings");
  const badge = document.getElementById("live-overall");
  const state = document.getElementById("live-state");
  // The form opens with what is saved, so until it is edited the live findings are the
  // saved ones re-run now; once edited, the page says they are not saved yet.
  const opened = new URLSearchParams(new FormData(form)).toString();
  const saved = form.dataset.saved === "yes";
  let timer = null;
  let sequence = 0;

  function show(data) {
    list.textContent = "";
    data.findings.forEach(function (f) {
      const li = document.createElement("li");
      const sev = document.createElement("span");
      sev.className = "badge sev-" + f.severity;
      sev.textContent = f.severity_words || f.severity;
      li.appendChild(sev);
      li.appendChild(document.createTextNode(" " + f.message + " "));
      const src = document.createElement("span");
      src.className = "muted";
      src.textContent = "(" + f.source + ")";
      li.appendChild(src);
      li.dataset.rule = f.rule;
      list.appendChild(li);
    });
    badge.textContent = data.overall ? words(data.overall) : "No findings";
    badge.className = "badge sev-" + (data.overall || "note");
    badge.dataset.severity = data.overall || "";
    const edited = new URLSearchParams(new FormData(form)).toString() !== opened;
    if (state) {
      state.textContent = !saved ? "Not saved yet: save the checklist to keep these findings."
        : edited ? "Changed since the last save: save the checklist to keep these findings."
        : "As saved, checked again now.";
      state.dataset.edited = edited ? "yes" : "no";
    }
  }

  function words(severity) {
    return severity.charAt(0).toUpperCase() + severity.slice(1);
  }

  function preview() {
    const mine = ++sequence;
    fetch(form.dataset.preview, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      body: new URLSearchParams(new FormData(form)),
    })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
      .then(function (res) {
        if (mine !== sequence) return; // a newer preview is on its way
        if (res.ok) show(res.d);
        else { badge.textContent = "check the form: " + res.d.detail; badge.className = "badge sev-review"; }
      })
      .catch(function () { /* offline: the saved assessment still runs every rule */ });
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(preview, 250);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  preview();
})();
