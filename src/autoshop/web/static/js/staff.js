// The staff workspace's few scripts (the CSP forbids inline ones).

// The job board refreshes itself by polling; hold the refresh while someone is writing a note
// (it would close the note and lose what was typed) or while a move is on its way.
document.addEventListener("htmx:beforeRequest", function (event) {
  var elt = event.detail && event.detail.elt;
  if (!elt || elt.id !== "board-columns") {
    return;
  }
  var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
  if (verb !== "get") {
    return;
  }
  if (document.hidden) {
    event.preventDefault(); // nobody is looking: the next visible poll catches up
    return;
  }
  if (elt.querySelector("details.board-note[open]") || elt.querySelector("form.htmx-request")) {
    event.preventDefault();
    elt.setAttribute("data-paused", "true");
  } else {
    elt.removeAttribute("data-paused");
  }
});

// After a move the card sits in another column, perhaps out of sight: bring it into view and put
// the focus on its next move (or its link), so the person who moved it keeps their place.
document.addEventListener("htmx:afterSettle", function (event) {
  var detail = event.detail || {};
  var config = detail.requestConfig || {};
  if (!detail.target || detail.target.id !== "board-columns") {
    return;
  }
  if (!detail.target.querySelector("details.board-note[open]")) {
    detail.target.removeAttribute("data-paused");
  }
  if (config.verb !== "post") {
    return;
  }
  var card = detail.target.querySelector(".board-card-acted");
  if (!card) {
    return;
  }
  card.scrollIntoView({ block: "nearest", inline: "nearest" });
  var next = card.querySelector("button[name=target]") || card.querySelector("a");
  if (next) {
    next.focus({ preventScroll: true });
  }
});

// The day sheet's Print button.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});
