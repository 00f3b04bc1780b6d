// Progressive enhancement for the booking calendar (htmx swaps it in place).
// When the control that had focus is gone after a swap (e.g. "Previous month" on the first
// bookable month), keyboard users would be dropped at the top of the page: put them on the
// month's heading instead.
document.addEventListener("htmx:afterSettle", function (event) {
  if (!event.detail || !event.detail.target || event.detail.target.id !== "when") {
    return;
  }
  var active = document.activeElement;
  if (!active || active === document.body || !document.body.contains(active)) {
    var title = document.getElementById("cal-title");
    if (title) {
      title.focus();
    }
  }
});
