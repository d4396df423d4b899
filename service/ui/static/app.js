// Keyboard shortcuts for fast triage. A shortcut only presses a button the page shows, so a
// key never resolves an item with a choice the reviewer cannot see. `?` lists them all.
const SHORTCUTS = [
  ["n / j", "open the next item", "next"],
  ["c", "confirm the top match", "confirm-top"],
  ["r", "not a match (only when a match is suggested)", "reject"],
  ["u", "undo the last bulk action (queue)", "undo"],
  ["a", "select every row (queue)", "select-all"],
  ["q", "back to the queue", null],
  ["/", "search articles, claims and fact-checks", null],
  ["?", "show or hide this help", null],
  ["Esc", "close this help", null],
];

function visible(element) {
  return element instanceof HTMLElement && !element.disabled && element.getClientRects().length > 0;
}

function helpOverlay() {
  let overlay = document.getElementById("help-overlay");
  if (overlay) return overlay;
  overlay = document.createElement("div");
  overlay.id = "help-overlay";
  overlay.hidden = true;
  overlay.setAttribute("role", "dialog");
  overlay.setAttribute("aria-label", "Keyboard shortcuts");
  const box = document.createElement("div");
  box.className = "help-box";
  const title = document.createElement("h2");
  title.textContent = "Keyboard shortcuts";
  box.appendChild(title);
  const table = document.createElement("table");
  for (const [keys, what] of SHORTCUTS) {
    const row = table.insertRow();
    const key = document.createElement("kbd");
    key.textContent = keys;
    row.insertCell().appendChild(key);
    row.insertCell().textContent = what;
  }
  box.appendChild(table);
  const note = document.createElement("p");
  note.className = "muted small";
  note.textContent = "Shortcuts press only buttons shown on the page; they do nothing while typing.";
  box.appendChild(note);
  overlay.appendChild(box);
  overlay.addEventListener("click", () => { overlay.hidden = true; });
  document.body.appendChild(overlay);
  return overlay;
}

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target instanceof HTMLElement && target.closest("input, textarea, select")) return;
  const click = (id) => {
    const element = document.getElementById(id);
    if (visible(element)) { event.preventDefault(); element.click(); }
  };
  switch (event.key) {
    case "n": case "j": click("next"); break;
    case "c": click("confirm-top"); break;
    case "r": click("reject"); break;
    case "u": click("undo"); break;
    case "a": click("select-all"); break;
    case "q": event.preventDefault(); window.location.href = "/ui/queue"; break;
    case "/": {
      const search = document.getElementById("search");
      if (search) { event.preventDefault(); search.focus(); }
      else { event.preventDefault(); window.location.href = "/ui/articles"; }
      break;
    }
    case "?": { event.preventDefault(); const overlay = helpOverlay(); overlay.hidden = !overlay.hidden; break; }
    case "Escape": { const overlay = document.getElementById("help-overlay"); if (overlay) overlay.hidden = true; break; }
  }
});

document.addEventListener("DOMContentLoaded", () => {
  const mark = document.getElementById("claim-mark");
  // Scroll the article box (not the page) so the claim sits in its middle.
  const box = mark ? mark.closest(".article") : null;
  if (mark && box) {
    const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += offset - box.clientHeight / 2;
  }
  // Auto-advance after a decision: every resolve form carries the choice, remembered here.
  const advance = document.getElementById("auto-advance");
  if (advance instanceof HTMLInputElement) {
    advance.checked = localStorage.getItem("claimflag.advance") !== "0";
    const sync = () => {
      for (const input of document.querySelectorAll("input.advance")) {
        input.value = advance.checked ? "1" : "";
      }
      localStorage.setItem("claimflag.advance", advance.checked ? "1" : "0");
    };
    advance.addEventListener("change", sync);
    sync();
  }
  // Bulk selection in the queue: the toolbar counts the ticked rows.
  const all = document.getElementById("select-all");
  const boxes = () => document.querySelectorAll("input.pick");
  const count = document.getElementById("picked-count");
  const recount = () => {
    if (!count) return;
    const picked = [...boxes()].filter((box) => box.checked).length;
    count.textContent = String(picked);
    for (const button of document.querySelectorAll("#bulk button[type=submit]")) button.disabled = picked === 0;
  };
  if (all instanceof HTMLButtonElement) {
    all.addEventListener("click", () => {
      const every = [...boxes()].every((box) => box.checked);
      for (const box of boxes()) box.checked = !every;
      recount();
    });
  }
  for (const box of boxes()) box.addEventListener("change", recount);
  recount();
});
