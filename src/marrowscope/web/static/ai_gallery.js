// Review gallery: decide a slide's cells from the keyboard, see the slide's differential move.
// Decisions go to the same route as the table view's forms (CSRF token, JSON answer); a
// tile then shows the stored decision and the side table is recounted from the tiles; the
// agreement table takes the figures the answer carries. Where the model abstains on the
// slide its calls are hidden: Enter and Shift+A accept nothing, class keys classify.
(function () {
  "use strict";
  const root = document.getElementById("gallery");
  if (!root) { return; }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const keymap = JSON.parse(document.getElementById("gallery-keymap").textContent);
  const names = JSON.parse(document.getElementById("gallery-names").textContent);
  const status = document.getElementById("review-status");
  const tiles = Array.from(root.querySelectorAll(".tile"));
  const dialog = document.getElementById("enlarge");

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "muted";
  }

  function recount() {
    const decided = {};
    const proposed = {};
    let left = 0;
    tiles.forEach(function (t) {
      const code = t.dataset.code;
      if (t.dataset.decided === "true") {
        if (code) { decided[code] = (decided[code] || 0) + 1; }
      } else {
        left += 1;
      }
      if (code) { proposed[code] = (proposed[code] || 0) + 1; }
    });
    const body = document.querySelector("#live-differential tbody");
    body.textContent = "";
    Object.keys(names).forEach(function (code) {
      if (!proposed[code] && !decided[code]) { return; }
      const row = document.createElement("tr");
      row.dataset.code = code;
      [names[code], decided[code] || 0, proposed[code] || 0].forEach(function (value, i) {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (i) { cell.className = "num " + (i === 1 ? "decided" : "proposed"); }
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    document.getElementById("left-count").textContent = left;
    const count = document.querySelector("#count-slide button");
    if (count) { count.disabled = left > 0; }
  }

  function show(tile, call) {
    tile.dataset.decided = "true";
    tile.dataset.code = call.final_code || "";
    tile.classList.remove("state-proposed", "state-confirmed", "state-corrected", "state-rejected");
    tile.classList.add("state-" + call.state);
    const place = tile.querySelector(".decision");
    place.textContent = "";
    const badge = document.createElement("span");
    badge.className = "badge state";
    badge.textContent = call.state;
    place.appendChild(badge);
    place.appendChild(document.createTextNode(" " + (call.final_code || "") + " · " + (call.decided_by || "")));
    recount();
  }

  function percent(value) { return value === null ? "—" : (100 * value).toFixed(1) + " %"; }
  function kappa(value) { return value === null ? "—" : value.toFixed(2); }

  function showAgreement(agreement) {
    const table = document.getElementById("agreement");
    if (!agreement || !table) { return; }
    const body = table.querySelector("tbody");
    body.textContent = "";
    const rows = [["This case", agreement.overall]].concat(agreement.by_reviewer);
    rows.forEach(function (pair) {
      const row = document.createElement("tr");
      [pair[0], pair[1].pairs, percent(pair[1].overall), kappa(pair[1].kappa)].forEach(function (value, i) {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (i) { cell.className = "num"; }
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    table.hidden = agreement.overall.pairs === 0;
    document.getElementById("no-agreement").hidden = agreement.overall.pairs > 0;
  }

  function move(tile, step) {
    const i = tiles.indexOf(tile) + step;
    const next = tiles[Math.max(0, Math.min(tiles.length - 1, i))];
    if (next) { next.focus(); next.scrollIntoView({ block: "nearest" }); }
  }

  function nextUndecided(tile) {
    const start = tiles.indexOf(tile);
    for (let i = 1; i <= tiles.length; i += 1) {
      const candidate = tiles[(start + i) % tiles.length];
      if (candidate.dataset.decided !== "true") { return candidate; }
    }
    return null;
  }

  async function decide(tile, action, code) {
    const body = new URLSearchParams();
    body.set("csrf_token", csrf);
    body.set("action", action);
    body.set("code", action === "reject" ? "" : (code || ""));
    let route = "/decide";
    if (tile.dataset.counted === "true") {
      // A counted cell changes only with a reason; its slide count is corrected with it.
      const reason = window.prompt("This cell is already counted. Why does it change? (the slide count is corrected with this reason)");
      if (!reason || !reason.trim()) { say("not changed: a counted cell needs a reason", true); return; }
      body.set("reason", reason.trim());
      route = "/recount";
    }
    say("saving…", false);
    try {
      const answer = await fetch("/review/cells/" + tile.dataset.id + route, {
        method: "POST",
        headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
        body: body,
        credentials: "same-origin",
      });
      const data = await answer.json();
      if (!answer.ok) { say("not saved: " + (data.detail || answer.status), true); return; }
      show(tile, data);
      showAgreement(data.agreement);
      say("saved cell " + data.id + ": " + data.state + " " + (data.final_code || ""), false);
      const next = nextUndecided(tile);
      if (next) { next.focus(); next.scrollIntoView({ block: "nearest" }); }
    } catch (error) {
      say("not saved: " + error, true);
    }
  }

  function enlarge(tile) {
    const img = document.getElementById("enlarge-img");
    const id = tile.dataset.id;
    img.src = tile.dataset.context === "true" ? "/review/cells/" + id + "/context" : "/review/cells/" + id + "/thumbnail";
    document.getElementById("enlarge-caption").textContent = tile.querySelector("figcaption").textContent.replace(/\s+/g, " ").trim();
    if (dialog.showModal) { dialog.showModal(); }
  }

  root.addEventListener("keydown", function (event) {
    const tile = event.target.closest ? event.target.closest(".tile") : null;
    if (!tile || event.ctrlKey || event.metaKey || event.altKey) { return; }
    const key = event.key;
    if (key === "ArrowRight" || key === "ArrowDown") { move(tile, 1); }
    else if (key === "ArrowLeft" || key === "ArrowUp") { move(tile, -1); }
    else if (key === "Enter") {
      if (tile.dataset.model && tile.dataset.confirm !== "no") { decide(tile, "confirm", tile.dataset.model); }
      else if (tile.dataset.model) { say("the model's call of this cell is no proposal (unfamiliar or contradicting the detector): press the class key of this cell", true); }
      else { say("no AI proposal on this slide: press the class key of this cell", true); }
    }
    else if (key === "Delete") { decide(tile, "reject", ""); }
    else if (key === " ") { enlarge(tile); }
    else if (key === "A") {
      const form = document.getElementById("confirm-unflagged");
      if (form.dataset.abstain === "true") { say("nothing accepted: the model abstains on this slide; classify each cell", true); }
      else { form.submit(); }
    }
    else if (Object.prototype.hasOwnProperty.call(keymap, key)) {
      const code = keymap[key];
      decide(tile, "change", code);  // a class key is the person's choice, even the model's class
    } else { return; }
    event.preventDefault();
  });
  tiles.forEach(function (tile) {
    tile.addEventListener("dblclick", function () { enlarge(tile); });
    tile.querySelector("img").addEventListener("click", function () { tile.focus(); enlarge(tile); });
  });
  if (tiles.length) {
    const first = tiles.find(function (t) { return t.dataset.decided !== "true"; }) || tiles[0];
    first.focus();
  }
})();
