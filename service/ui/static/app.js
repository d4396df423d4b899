// Keyboard shortcuts for fast triage: n/j next item, c confirm the top match, r not a match, q queue.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target instanceof HTMLElement && target.closest("input, textarea, select")) return;
  const click = (id) => {
    const element = document.getElementById(id);
    if (element) { event.preventDefault(); element.click(); }
  };
  switch (event.key) {
    case "n": case "j": click("next"); break;
    case "c": click("confirm-top"); break;
    case "r": click("reject"); break;
    case "q": event.preventDefault(); window.location.href = "/ui/queue"; break;
  }
});
document.addEventListener("DOMContentLoaded", () => {
  const mark = document.getElementById("claim-mark");
  if (mark) mark.scrollIntoView({ block: "center" });
});
