// The differential counter: one key per cell class, counted in the page, saved in the
// background. The server keeps the newest state by version (the number of presses and
// undos applied here), so a request that is late, repeated or retried can neither lose
// nor double a cell. Only one save is in flight at a time; presses made meanwhile are
// carried by the next save, which always sends the whole state.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("counter-config").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const count = config.count;
  const classes = config.classes;
  const inDiff = {};
  classes.forEach(function (c) { inDiff[c.code] = c.inDiff; });
  const keyOf = {};
  Object.keys(config.keymap).forEach(function (k) { keyOf[config.keymap[k]] = k; });
  const undoKeys = new Set(config.undoKeys);

  const state = {
    counts: Object.assign({}, count.counts),
    version: count.version,
    savedVersion: count.version,
    history: [],
    target: count.target,
    saved: count.status === "saved",
    inFlight: false,
    timer: null,
    failures: 0,
    conflict: false,
  };

  const el = {
    total: document.getElementById("total"),
    excluded: document.getElementById("excluded"),
    last: document.getElementById("last"),
    sync: document.getElementById("sync"),
    progress: document.getElementById("progress"),
    message: document.getElementById("message"),
    tbody: document.querySelector("#tally tbody"),
    me: document.getElementById("me"),
    flags: document.getElementById("flags"),
    adequacy: document.getElementById("adequacy"),
    panel: document.getElementById("counter-panel"),
    finish: document.getElementById("finish"),
    status: document.getElementById("status"),
  };

  // Rows: every class with a key, plus any class already counted.
  const rows = {};
  classes.forEach(function (c) {
    if (!(c.code in keyOf) && !state.counts[c.code]) return;
    const tr = document.createElement("tr");
    tr.dataset.code = c.code;
    tr.innerHTML = '<td><kbd></kbd></td><td class="code"></td><td class="name"></td>' +
      '<td class="num count">0</td><td class="num pct"></td>';
    tr.querySelector("kbd").textContent = keyOf[c.code] || "";
    tr.querySelector(".code").textContent = c.code;
    tr.querySelector(".name").textContent = c.name + (c.inDiff ? "" : " (not in differential)");
    el.tbody.appendChild(tr);
    rows[c.code] = tr;
  });

  function nucleated() {
    let n = 0;
    Object.keys(state.counts).forEach(function (code) { if (inDiff[code]) n += state.counts[code]; });
    return n;
  }

  function excluded() {
    let n = 0;
    Object.keys(state.counts).forEach(function (code) { if (!inDiff[code]) n += state.counts[code]; });
    return n;
  }

  function render(hitCode) {
    const total = nucleated();
    el.total.textContent = String(total);
    const ex = excluded();
    el.excluded.textContent = ex ? "(+" + ex + " outside the differential)" : "";
    el.progress.style.width = Math.min(100, (100 * total) / state.target) + "%";
    Object.keys(rows).forEach(function (code) {
      const tr = rows[code];
      const n = state.counts[code] || 0;
      tr.querySelector(".count").textContent = String(n);
      tr.querySelector(".pct").textContent =
        inDiff[code] && total ? ((100 * n) / total).toFixed(1) : "";
      tr.classList.toggle("hit", code === hitCode);
    });
    el.panel.classList.toggle("done", total >= state.target);
    renderSync();
  }

  function renderSync() {
    let text = "saved";
    let cls = "sync-saved";
    if (state.conflict) { text = "not saved — changed elsewhere"; cls = "sync-error"; }
    else if (state.failures > 0) { text = "not saved yet — retrying"; cls = "sync-error"; }
    else if (state.version !== state.savedVersion) { text = "saving…"; cls = "sync-pending"; }
    el.sync.textContent = text;
    el.sync.className = cls;
    el.sync.dataset.version = String(state.savedVersion);
  }

  function renderFigures(payload) {
    el.me.textContent = payload.me_ratio === null ? "—" : payload.me_ratio.toFixed(2) + " : 1";
    el.adequacy.textContent = payload.adequacy_warning || "";
    el.flags.textContent = "";
    payload.flags.forEach(function (f) {
      const p = document.createElement("p");
      p.className = "flag";
      p.textContent = f;
      el.flags.appendChild(p);
    });
  }

  let audio = null;
  function cue(total) {
    el.panel.classList.remove("cue");
    void el.panel.offsetWidth; // restart the animation
    el.panel.classList.add("cue");
    el.message.textContent = total + " cells counted";
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.05;
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.12);
    } catch (e) { /* no sound available: the visual cue remains */ }
  }

  function press(code) {
    if (state.saved) { el.message.textContent = "This count is saved; correct it with the form."; return; }
    const before = nucleated();
    if (inDiff[code] && before >= state.target) {
      el.message.textContent = "Target of " + state.target + " cells reached. Save the count.";
      return;
    }
    state.counts[code] = (state.counts[code] || 0) + 1;
    state.version += 1;
    state.history.push(code);
    el.last.textContent = code;
    const total = nucleated();
    render(code);
    if (inDiff[code] && total > 0 && total % config.cueEvery === 0) cue(total);
    if (inDiff[code] && total === state.target) {
      el.message.textContent = "Target of " + state.target + " cells reached. Save the count.";
    }
    schedule();
  }

  function undo() {
    if (state.saved) return;
    const code = state.history.pop();
    if (!code) { el.message.textContent = "Nothing to undo in this session."; return; }
    state.counts[code] -= 1;
    if (state.counts[code] <= 0) delete state.counts[code];
    state.version += 1;
    el.last.textContent = state.history.length ? state.history[state.history.length - 1] : "—";
    el.message.textContent = "Undid " + code;
    render(null);
    schedule();
  }

  function schedule() {
    renderSync();
    if (state.timer !== null || state.inFlight) return;
    state.timer = setTimeout(flush, 150); // batch the presses of the next 150 ms
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.detail || ("HTTP " + r.status));
        return data;
      });
    });
  }

  function flush() {
    state.timer = null;
    if (state.inFlight || state.version === state.savedVersion) return Promise.resolve();
    state.inFlight = true;
    const sent = state.version;
    return post(config.stateUrl, { version: sent, counts: state.counts })
      .then(function (data) {
        state.failures = 0;
        if (data.version > sent) {
          // Another tab or person saved a newer state of this slide: ours was not stored.
          el.message.textContent = "This slide was changed elsewhere; reload the page before counting on.";
          state.conflict = true;
          state.saved = true; // stop counting into a state the server will not take
          state.savedVersion = state.version;
          return;
        }
        state.savedVersion = Math.max(state.savedVersion, sent);
        renderFigures(data);
      })
      .catch(function (err) {
        state.failures += 1;
        el.message.textContent = "Could not save (" + err.message + "); retrying.";
      })
      .finally(function () {
        state.inFlight = false;
        renderSync();
        if (state.version !== state.savedVersion) {
          const wait = state.failures ? Math.min(5000, 250 * Math.pow(2, state.failures)) : 0;
          state.timer = setTimeout(flush, wait);
        }
      });
  }

  function waitSaved() {
    return new Promise(function (resolve) {
      (function check() {
        if (!state.inFlight && state.timer === null && state.version === state.savedVersion) resolve();
        else { if (!state.inFlight && state.timer === null) flush(); setTimeout(check, 50); }
      })();
    });
  }

  document.addEventListener("keydown", function (ev) {
    const t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (undoKeys.has(ev.key)) { ev.preventDefault(); undo(); return; }
    const code = config.keymap[ev.key];
    if (code) { ev.preventDefault(); if (!ev.repeat) press(code); }
  });

  if (el.finish) {
    el.finish.addEventListener("click", function () {
      el.finish.disabled = true;
      waitSaved()
        .then(function () { return post(config.finishUrl, { version: state.version + 1, counts: state.counts }); })
        .then(function () { window.location.reload(); })
        .catch(function (err) { el.finish.disabled = false; el.message.textContent = "Not saved: " + err.message; });
    });
  }

  window.addEventListener("beforeunload", function (ev) {
    if (state.version !== state.savedVersion) { ev.preventDefault(); ev.returnValue = ""; }
  });

  // Exposed for tests and for a person checking the state from the console.
  window.marrowscopeCounter = {
    state: state,
    flush: flush,
    waitSaved: waitSaved,
  };
  render(null);
  renderFigures(count);
})();
