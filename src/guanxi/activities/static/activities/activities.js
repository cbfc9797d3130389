// Behaviours of the activities panels, hooked by data attributes (no inline scripts: the CSP
// forbids them). Loaded by each panel template, so it guards against running twice.
(function () {
  "use strict";
  if (window.guanxiActivities) return;
  window.guanxiActivities = true;

  // Ctrl+Enter (⌘+Enter on a Mac) submits a form marked data-ctrl-enter, through htmx when the
  // form is an htmx form (requestSubmit fires the submit event htmx listens to).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest ? event.target.closest("form[data-ctrl-enter]") : null;
    if (!form) return;
    event.preventDefault();
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  // A panel answers 422 with itself and the form's errors; htmx leaves 4xx answers unswapped
  // unless told otherwise, and only for these panels do we tell it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.elt;
    if (event.detail.xhr.status === 422 && source && source.closest &&
        source.closest("[data-activities-panel]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After a successful log the text box is fresh; put the cursor back for the next one.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail.target;
    if (!panel || !panel.matches || !panel.matches("[data-testid=quick-log]")) return;
    if (panel.querySelector("[data-testid=quick-log-done]")) {
      var box = panel.querySelector("textarea");
      if (box) box.focus();
    }
  });
})();
