// Customers pages: bulk selection on lists, and keyboard shortcuts with their help ("?").
// Hooked by data attributes; no inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // --- Bulk selection ------------------------------------------------------------------------

  function bulkScope() {
    return document.querySelector("[data-bulk-scope]");
  }

  function syncBulk() {
    var scope = bulkScope();
    if (!scope) return;
    var rows = scope.querySelectorAll("[data-select-row]");
    var checked = scope.querySelectorAll("[data-select-row]:checked");
    var all = scope.querySelector("[data-select-all]");
    if (all) {
      all.checked = rows.length > 0 && checked.length === rows.length;
      all.indeterminate = checked.length > 0 && checked.length < rows.length;
    }
    var count = scope.querySelector("[data-bulk-count]");
    var everything = scope.querySelector("[data-bulk-all]");
    if (count) count.textContent = String(checked.length);
    var form = scope.querySelector("[data-bulk-form]");
    if (form) {
      var active = checked.length > 0 || (everything && everything.checked);
      form.classList.toggle("gx-bulk-active", active);
      // Out of the way until something is selected (always shown without JavaScript).
      form.classList.toggle("gx-bulk-idle", !active);
    }
    syncBulkInputs();
  }

  // Show only the input the chosen action needs (all of them without JavaScript).
  function syncBulkInputs() {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    var action = form.querySelector("select[name=action]");
    var chosen = action ? action.value : "";
    form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
      var wanted = el.getAttribute("data-bulk-for").split(" ");
      el.hidden = wanted.indexOf(chosen) === -1;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) return;
    if (target.matches("[data-select-all]")) {
      var scope = bulkScope();
      if (scope) {
        scope.querySelectorAll("[data-select-row]").forEach(function (box) { box.checked = target.checked; });
      }
      syncBulk();
    } else if (target.matches("[data-select-row], [data-bulk-all]")) {
      syncBulk();
    } else if (target.matches("[data-bulk-form] select[name=action]")) {
      syncBulkInputs();
    }
  });

  // A bulk delete asks first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-bulk-form]")) return;
    var action = form.querySelector("select[name=action]");
    if (action && action.value === "delete" && !window.confirm(form.getAttribute("data-confirm-delete"))) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("htmx:afterSettle", syncBulk);
  document.addEventListener("DOMContentLoaded", syncBulk);

  // --- Keyboard shortcuts ---------------------------------------------------------------------

  var pendingG = 0;

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function visible(el) {
    return el && el.offsetParent !== null;
  }

  function helpModal() {
    var element = document.getElementById("gx-hotkeys");
    var bootstrap = window.bootstrap || (window.tabler && window.tabler.bootstrap);
    if (!element || !bootstrap) return null;
    return bootstrap.Modal.getOrCreateInstance(element);
  }

  function anyModalOpen() {
    return document.querySelector(".modal.show") !== null;
  }

  // data-hotkey="x": a form field gets the focus, a link or a button is followed.
  // Until a panel marks its field, "n" and "t" fall back to the quick log's text and the task
  // panel's first field.
  var FALLBACK = {
    n: '[data-panel="quick_log"] textarea',
    t: '[data-panel="open_tasks"] input:not([type=hidden]), [data-panel="open_tasks"] textarea'
  };

  function activate(key) {
    var targets = document.querySelectorAll('[data-hotkey="' + key + '"]');
    if (!targets.length && FALLBACK[key]) targets = document.querySelectorAll(FALLBACK[key]);
    for (var i = 0; i < targets.length; i++) {
      var el = targets[i];
      if (!visible(el) && !el.matches("textarea, input, select")) continue;
      if (el.matches("textarea, input, select")) {
        el.scrollIntoView({ block: "center" });
        el.focus();
      } else {
        el.click();
      }
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    var key = event.key;
    if (key === "Escape") {
      // Bootstrap closes the help itself once it has the focus; this covers the moment before.
      var shown = document.querySelector("#gx-hotkeys.show");
      var instance = shown && helpModal();
      if (instance) instance.hide();
      return;
    }
    if (key === "?") {
      var modal = helpModal();
      if (modal) { event.preventDefault(); modal.toggle(); }
      return;
    }
    if (anyModalOpen()) return;
    var help = document.getElementById("gx-hotkeys");
    if (pendingG && Date.now() - pendingG < 1500 && help) {
      pendingG = 0;
      var url = key === "a" ? help.getAttribute("data-go-a") : key === "c" ? help.getAttribute("data-go-c") : null;
      if (url) { event.preventDefault(); window.location.assign(url); }
      return;
    }
    pendingG = 0;
    if (key === "g") { pendingG = Date.now(); return; }
    if (key === "e" || key === "n" || key === "t") {
      if (activate(key)) event.preventDefault();
    }
  });

  // --- Back and forward ------------------------------------------------------------------------
  // On Back, htmx puts back the page's HTML as it left it: the markup of the filter bar, not
  // the values chosen in it since. The address holds the filters the restored list shows, so
  // the filter bar is set from it.
  function filtersFromAddress() {
    var form = document.getElementById("list-filters");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "submit" || field.type === "button") return;
      if (field.type === "hidden" && field.name !== "sort") return;
      var values = params.getAll(field.name);
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT") {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = field.multiple ? values.indexOf(option.value) !== -1 : option.value === (values[0] || "");
        });
      } else {
        field.value = values[0] || "";
      }
    });
  }
  document.addEventListener("htmx:historyRestore", filtersFromAddress);
})();
