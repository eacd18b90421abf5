// Progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Board: drag a card onto a column to move it (the buttons on each card do the same without JS).
  // The move carries the version the card was drawn with; a stale move is refused (409).
  let draggedVersion = "";
  document.body.addEventListener("dragstart", (e) => {
    const card = e.target.closest && e.target.closest(".taskcard[draggable=true]");
    if (!card) return;
    card.classList.add("dragging");
    draggedVersion = card.dataset.version || "";
    e.dataTransfer.setData("text/plain", card.dataset.moveUrl);
  });
  document.body.addEventListener("dragend", (e) => {
    const card = e.target.closest && e.target.closest(".taskcard");
    if (card) card.classList.remove("dragging");
  });
  document.body.addEventListener("dragover", (e) => {
    const col = e.target.closest && e.target.closest(".column[data-status]");
    if (col) { e.preventDefault(); col.classList.add("dropzone"); }
  });
  document.body.addEventListener("dragleave", (e) => {
    const col = e.target.closest && e.target.closest(".column[data-status]");
    if (col) col.classList.remove("dropzone");
  });
  document.body.addEventListener("drop", (e) => {
    const col = e.target.closest && e.target.closest(".column[data-status]");
    if (!col) return;
    e.preventDefault();
    col.classList.remove("dropzone");
    const url = e.dataTransfer.getData("text/plain");
    if (url && window.htmx) {
      const values = { status: col.dataset.status, _version: draggedVersion };
      htmx.ajax("POST", url, { target: "#board", swap: "outerHTML", values: values });
    }
  });
  // A refused move (409 stale, 422 invalid) answers with the current board and its message:
  // show it, which also puts the card back where the task really is.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const status = e.detail.xhr.status;
    if ((status === 409 || status === 422) && e.detail.target && e.detail.target.id === "board") {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  // After a move the board is drawn anew: keep the keyboard on the moved card (its first move
  // button, else its link) instead of the top of the page, and say what happened in the live region.
  document.body.addEventListener("htmx:afterSettle", () => {
    const board = document.getElementById("board");
    if (!board || !board.dataset.moved) return;
    const card = document.getElementById(board.dataset.moved);
    const control = card && (card.querySelector(".moves button") || card.querySelector("a"));
    if (control) control.focus();
    const live = document.getElementById("board-announce");
    if (live) live.textContent = board.dataset.announce || "";
    delete board.dataset.moved;
  });
  // A drop-down of the top bar (<details>) closes on Escape; the focus goes back to its toggle
  // when it was in the menu (focus that is elsewhere on the page stays where it is).
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    document.querySelectorAll(".topbar details[open]").forEach((menu) => {
      const inside = menu.contains(document.activeElement) || document.activeElement === document.body;
      menu.open = false;
      if (inside) menu.querySelector("summary").focus();
    });
  });
  // A read-only address to copy: a click selects all of it (no inline handlers: the CSP forbids them).
  document.body.addEventListener("click", (e) => {
    const field = e.target.closest && e.target.closest("input[data-select-on-click]");
    if (field) field.select();
  });
  // Phones: the header's menu button opens and closes the main navigation. The button stays
  // hidden until this runs, so that without scripts the navigation simply shows in full.
  document.querySelectorAll(".topbar .menu-toggle").forEach((toggle) => {
    const header = toggle.closest(".topbar");
    const setOpen = (open) => {
      toggle.setAttribute("aria-expanded", String(open));
      header.classList.toggle("menu-open", open);
    };
    header.classList.add("has-menu");
    toggle.hidden = false;
    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    header.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && header.classList.contains("menu-open")) { setOpen(false); toggle.focus(); }
    });
  });
  // A strip of tabs that scrolls sideways (phones) shows its active tab.
  document.querySelectorAll(".tabs").forEach((strip) => {
    const active = strip.querySelector(".active");
    if (active && strip.scrollWidth > strip.clientWidth) {
      const box = strip.getBoundingClientRect();
      const tab = active.getBoundingClientRect();
      strip.scrollLeft += tab.left - box.left - (box.width - tab.width) / 2;
    }
  });
  wrapTables(document.body);
  document.body.addEventListener("htmx:load", (e) => wrapTables(e.detail.elt));
  // Markdown live preview: any textarea with data-preview-url updates its preview target.
  document.querySelectorAll("textarea[data-preview-target]").forEach((area) => {
    area.setAttribute("data-hx-trigger", "keyup changed delay:400ms");
  });
});
// A search box that narrows a list: an input[data-filter-input] hides the [data-filter-item]
// rows of its [data-filter-scope] whose text does not contain what was typed (checked rows stay).
document.addEventListener("input", (e) => {
  const box = e.target.closest && e.target.closest("input[data-filter-input]");
  if (!box) return;
  const scope = box.closest("[data-filter-scope]");
  if (!scope) return;
  const needle = box.value.trim().toLocaleLowerCase();
  scope.querySelectorAll("[data-filter-item]").forEach((row) => {
    const checked = row.querySelector("input:checked");
    const match = !needle || row.textContent.toLocaleLowerCase().includes(needle);
    row.hidden = !(match || checked);
  });
});
// A table wider than the screen scrolls inside its own box, not the page: every .table gets a
// .table-wrap around it (the stylesheet lets an unwrapped table scroll itself when scripts are off).
function wrapTables(root) {
  const tables = root.matches && root.matches("table.table") ? [root] : root.querySelectorAll("table.table");
  tables.forEach((table) => {
    if (!table.parentElement || table.parentElement.classList.contains("table-wrap")) return;
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    table.parentElement.insertBefore(wrap, table);
    wrap.appendChild(table);
  });
}
