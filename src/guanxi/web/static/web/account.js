// Account pages: offer the device's own time zone on the profile form. No inline scripts (CSP).
(function () {
  "use strict";

  function setUp() {
    var button = document.querySelector("[data-tz-detect]");
    var select = document.querySelector("[data-tz-select]");
    if (!button || !select || !window.Intl) return;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var known = zone && Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    if (!known || select.value === zone) return;
    var label = button.querySelector("[data-tz-detected]");
    if (label) label.textContent = "(" + zone + ")";
    button.hidden = false;
    button.addEventListener("click", function () {
      select.value = zone;
      button.hidden = true;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
