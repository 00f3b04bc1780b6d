// The staff workspace's few scripts (the CSP forbids inline ones).

// The job board refreshes itself by polling; hold the refresh while someone is writing a note
// (it would close the note and lose what was typed) or while a move is on its way.
document.addEventListener("htmx:beforeRequest", function (event) {
  var elt = event.detail && event.detail.elt;
  if (!elt || elt.id !== "board-columns") {
    return;
  }
  if (elt.querySelector("details.board-note[open]") || elt.querySelector("form.htmx-request")) {
    event.preventDefault();
  }
});

// The day sheet's Print button.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});
