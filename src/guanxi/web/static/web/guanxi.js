// Small behaviours hooked by data attributes; no inline scripts (the CSP forbids them).
(function () {
  "use strict";

  function paletteModal() {
    var element = document.getElementById("command-palette");
    // Tabler's bundle exposes Bootstrap as window.tabler.bootstrap.
    var bootstrap = window.bootstrap || (window.tabler && window.tabler.bootstrap);
    if (!element || !bootstrap) return null;
    return bootstrap.Modal.getOrCreateInstance(element);
  }

  function openPalette(initial) {
    var modal = paletteModal();
    if (!modal) return;
    var input = document.querySelector("[data-palette-input]");
    modal.show();
    if (input) {
      if (typeof initial === "string") input.value = initial;
      setTimeout(function () { input.focus(); input.select(); }, 150);
    }
  }

  function paletteItems() {
    return Array.prototype.slice.call(document.querySelectorAll("#command-palette [data-palette-item]"))
      .filter(function (el) { return el.offsetParent !== null; });
  }

  function move(step) {
    var items = paletteItems();
    if (!items.length) return;
    var index = items.indexOf(document.activeElement);
    var next = index < 0 ? 0 : (index + step + items.length) % items.length;
    items[next].focus();
  }

  document.addEventListener("keydown", function (event) {
    var key = event.key ? event.key.toLowerCase() : "";
    if ((event.ctrlKey || event.metaKey) && key === "k") {
      event.preventDefault();
      openPalette();
      return;
    }
    var palette = document.getElementById("command-palette");
    if (palette && palette.classList.contains("show")) {
      if (key === "arrowdown") { event.preventDefault(); move(1); }
      if (key === "arrowup") { event.preventDefault(); move(-1); }
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-palette-trigger]")) {
      event.target.blur();
      openPalette(event.target.value);
    }
  });

  // Until the user types, the palette lists the pages they can open; filter them as they type.
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-palette-input]")) return;
    var query = event.target.value.trim().toLowerCase();
    document.querySelectorAll("[data-palette-commands] [data-palette-item]").forEach(function (el) {
      el.hidden = query !== "" && el.textContent.toLowerCase().indexOf(query) === -1;
    });
  });

  // Forms that ask before doing something destructive: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // Copy buttons: <button data-copy-target="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.value || source.textContent.trim());
      button.classList.add("btn-success");
    }
  });
})();
