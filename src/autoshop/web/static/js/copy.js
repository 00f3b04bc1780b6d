// "Copy" buttons: copy the text of the field named by data-copy-target, and say so.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy-target"));
    if (!field) return;
    var status = document.getElementById("copy-status");
    var done = function () {
      var label = button.getAttribute("data-copied-text") || "Copied";
      if (status) status.textContent = "Link copied to the clipboard.";
      button.textContent = label;
    };
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (status) status.textContent = "Select the link and copy it.";
      });
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    } else if (status) {
      status.textContent = "Select the link and copy it.";
    }
  });
})();
