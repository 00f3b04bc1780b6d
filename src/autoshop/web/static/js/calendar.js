// The staff calendar by bay: htmx swaps the board after a move (refusals too, with their 4xx
// status, so the block goes back where the server says it is), and visits can be dragged
// onto another time or bay with pointer events (mouse, pen and touch; touch drags by the grip).
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var status = event.detail.xhr.status;
    if (target && target.id === "calendar-board" && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!document.getElementById("calendar-board")) return;
    var heading = document.querySelector("#calendar-board [data-autofocus]");
    var alert = document.querySelector("#calendar-alert [role=alert]");
    if (event.detail.requestConfig && event.detail.requestConfig.verb === "post" && alert) {
      document.getElementById("calendar-alert").focus();
    } else if (heading) {
      heading.focus();
    }
  });

  // A page loaded with the "Move to…" form open (without htmx) puts the keyboard there too.
  document.addEventListener("DOMContentLoaded", function () {
    var heading = document.querySelector("#calendar-board [data-autofocus]");
    if (heading) heading.focus();
  });

  var drag = null;
  var THRESHOLD = 5;

  function rowAt(board, y) {
    var rows = board.querySelectorAll("tbody tr[data-start]");
    for (var i = 0; i < rows.length; i++) {
      var rect = rows[i].getBoundingClientRect();
      if (y >= rect.top && y < rect.bottom) return rows[i];
    }
    return null;
  }

  function targetOf(x, y) {
    var board = document.getElementById("calendar-board");
    if (!board || !drag) return null;
    var under = document.elementFromPoint(x, y);
    var cell = under && under.closest("td[data-bay]");
    if (!cell || !board.contains(cell)) return null;
    var row = rowAt(board, y - drag.offsetY + drag.rowHeight / 2);
    if (!row) return null;
    return { cell: cell, start: row.getAttribute("data-start"), bay: cell.getAttribute("data-bay") };
  }

  function clearHighlight() {
    var marked = document.querySelectorAll(".is-drop-target");
    for (var i = 0; i < marked.length; i++) marked[i].classList.remove("is-drop-target");
  }

  function reset() {
    if (!drag) return;
    drag.block.classList.remove("is-dragging");
    drag.block.style.transform = "";
    clearHighlight();
    drag = null;
  }

  document.addEventListener("pointerdown", function (event) {
    var block = event.target.closest && event.target.closest(".cal-block[data-reference]");
    if (!block || event.button !== 0) return;
    if (event.target.closest("a, button, input, select")) return;
    if (event.pointerType !== "mouse" && !event.target.closest(".cal-grip")) return;
    var firstRow = document.querySelector("#calendar-board tbody tr[data-start]");
    drag = {
      block: block,
      x: event.clientX,
      y: event.clientY,
      offsetY: event.clientY - block.getBoundingClientRect().top,
      rowHeight: firstRow ? firstRow.getBoundingClientRect().height : 24,
      moved: false,
      pointerId: event.pointerId,
    };
    block.setPointerCapture(event.pointerId);
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    var dx = event.clientX - drag.x;
    var dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < THRESHOLD) return;
    drag.moved = true;
    event.preventDefault();
    drag.block.classList.add("is-dragging");
    drag.block.style.transform = "translate(" + dx + "px, " + dy + "px)";
    clearHighlight();
    var target = targetOf(event.clientX, event.clientY);
    if (target) target.cell.classList.add("is-drop-target");
  });

  document.addEventListener("pointerup", function (event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    if (!drag.moved) {
      reset();
      return;
    }
    var target = targetOf(event.clientX, event.clientY);
    var form = document.getElementById("calendar-drop");
    var board = document.getElementById("calendar-board");
    if (!target || !form || !board) {
      reset();
      return;
    }
    form.elements.reference.value = drag.block.getAttribute("data-reference");
    form.elements.version.value = drag.block.getAttribute("data-version");
    form.elements.starts_at.value = target.start;
    form.elements.bay.value = target.bay;
    form.elements.location.value = board.getAttribute("data-location");
    form.elements.view.value = board.getAttribute("data-view");
    form.elements.shown.value = board.getAttribute("data-shown");
    clearHighlight();
    drag = null;  // the block stays where it was dropped until the server's board replaces it
    form.requestSubmit();
  });

  document.addEventListener("pointercancel", reset);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") reset();
  });
})();
