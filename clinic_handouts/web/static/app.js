// The print station's only script: filter the handout list, show the day's progress, stop double submits.
// Every page works without it.
"use strict";

function filterHandouts() {
  const search = document.getElementById("handout-search");
  const list = document.getElementById("handout-list");
  const count = document.getElementById("handout-count");
  if (!search || !list) return;
  const update = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of list.children) {
      const keep = item.querySelector("input").checked || words.every((w) => item.dataset.search.includes(w));
      item.hidden = !keep;
      if (keep) shown += 1;
    }
    if (count) count.textContent = shown + (shown === 1 ? " handout" : " handouts") + (words.length ? " match" : "");
  };
  search.addEventListener("input", update);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {  // Enter picks the first match instead of sending the form
      event.preventDefault();
      const first = [...list.children].find((item) => !item.hidden);
      if (first) first.querySelector("input").focus();
    }
  });
}

function followDay() {
  const box = document.getElementById("progress-box");
  if (!box || box.dataset.building !== "yes") return;
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  const tick = async () => {
    let state;
    try {
      const answer = await fetch("/today/status", { headers: { accept: "application/json" }, cache: "no-store" });
      if (!answer.ok) throw new Error(String(answer.status));
      state = await answer.json();
    } catch (error) {
      setTimeout(tick, 3000);
      return;
    }
    if (!state.loaded) { location.reload(); return; }
    const c = state.counts;
    const total = c.waiting + c.making + c.ready;
    bar.max = total || 1;
    bar.value = c.ready;
    text.textContent = c.ready + " of " + total + " packets ready" + (state.building ? ", making the rest…" : "");
    if (!state.building) { location.reload(); return; }
    setTimeout(tick, 800);
  };
  setTimeout(tick, 500);
}

function busyButtons() {
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[data-busy]");
      if (button) {
        setTimeout(() => { button.disabled = true; button.textContent = button.dataset.busy; }, 0);
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  filterHandouts();
  followDay();
  busyButtons();
});
