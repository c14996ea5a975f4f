// AI pre-classification: decide each cell from the keyboard without reloading the page.
// Each decision is posted as the row's form would post it (same route, same CSRF token),
// asking for JSON back; the row then shows the stored decision and focus moves on to
// the next cell still to decide. Without this script the forms post and redirect.
(function () {
  "use strict";
  const table = document.getElementById("cells");
  if (!table) { return; }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const status = document.getElementById("review-status");
  const rows = Array.from(table.querySelectorAll("tbody tr"));

  function rowOf(node) { return node.closest ? node.closest("tr[data-id]") : null; }

  function focusRow(row) {
    if (row) { row.focus(); row.scrollIntoView({ block: "nearest" }); }
  }

  function nextUndecided(row) {
    const start = rows.indexOf(row);
    for (let i = 1; i <= rows.length; i += 1) {
      const candidate = rows[(start + i) % rows.length];
      if (candidate.classList.contains("state-proposed")) { return candidate; }
    }
    return rows[Math.min(start + 1, rows.length - 1)];
  }

  function show(row, call) {
    row.className = "state-" + call.state + (call.model.review ? " flagged" : "");
    const cell = row.querySelector(".decision");
    cell.textContent = "";
    const badge = document.createElement("span");
    badge.className = "badge state";
    badge.textContent = call.state;
    cell.appendChild(badge);
    cell.appendChild(document.createTextNode(" " + (call.final_code || "")));
    cell.appendChild(document.createElement("br"));
    const who = document.createElement("span");
    who.className = "muted small";
    who.textContent = call.decided_by || "";
    cell.appendChild(who);
    const select = row.querySelector("select[name=code]");
    if (select && call.final_code) { select.value = call.final_code; }
  }

  async function send(row, action) {
    const form = row.querySelector("form.decide");
    if (!form) { return; }
    const body = new URLSearchParams();
    body.set("csrf_token", csrf);
    body.set("action", action);
    body.set("code", form.querySelector("select[name=code]").value);
    status.textContent = "saving…";
    try {
      // form.action would name the button called "action", not the URL: read the attribute.
      const answer = await fetch(form.getAttribute("action"), {
        method: "POST",
        headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
        body: body,
        credentials: "same-origin",
      });
      const data = await answer.json();
      if (!answer.ok) {
        status.textContent = "not saved: " + (data.detail || answer.status);
        status.className = "error";
        return;
      }
      show(row, data);
      const left = rows.filter(function (r) { return r.classList.contains("state-proposed"); }).length;
      status.className = "muted";
      status.textContent = "saved cell " + data.id + " (" + data.state + "); " + left + " to decide";
      focusRow(nextUndecided(row));
    } catch (error) {
      status.textContent = "not saved: " + error;
      status.className = "error";
    }
  }

  table.addEventListener("submit", function (event) {
    const row = rowOf(event.target);
    const action = event.submitter ? event.submitter.value : "confirm";
    event.preventDefault();
    send(row, action);
  });

  document.addEventListener("keydown", function (event) {
    const row = rowOf(document.activeElement);
    if (!row || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (document.activeElement.tagName === "BUTTON") { return; }  // the button's own action
    const inSelect = document.activeElement.tagName === "SELECT";
    const index = rows.indexOf(row);
    if (event.key === "ArrowDown" && !inSelect || event.key === "j" && !inSelect) {
      focusRow(rows[Math.min(index + 1, rows.length - 1)]);
    } else if (event.key === "ArrowUp" && !inSelect || event.key === "k" && !inSelect) {
      focusRow(rows[Math.max(index - 1, 0)]);
    } else if (!inSelect && (event.key === "Enter" || event.key === "c") && row.dataset.confirm === "no") {
      status.textContent = "no AI proposal for this cell: choose the class in the list, then Enter";
      status.className = "error";
      row.querySelector("select[name=code]").focus();
    } else if (!inSelect && (event.key === "Enter" || event.key === "c")) {
      send(row, "confirm");
    } else if (!inSelect && event.key === "x") {
      send(row, "reject");
    } else if (event.key === "s" && !inSelect) {
      row.querySelector("select[name=code]").focus();
    } else if (inSelect && event.key === "Enter") {
      send(row, "change");
    } else {
      return;
    }
    event.preventDefault();
  });

  const first = rows.find(function (r) { return r.classList.contains("state-proposed"); });
  focusRow(first || rows[0]);
})();
