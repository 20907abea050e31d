/* The campaign form's village ticks (outreach/visit_campaign_form.html): ticking
 * "全部网格" ticks every grid of that village, unticking a grid unticks the village.
 * Without this script the form still works: the server adds a ticked village's grids. */
(function () {
  "use strict";

  document.querySelectorAll("details.visit-community").forEach(function (village) {
    var all = village.querySelector("input[name=communities]");
    var grids = village.querySelectorAll("input[name=grids]");
    if (!all) {
      return;
    }
    all.addEventListener("change", function () {
      grids.forEach(function (grid) {
        grid.checked = all.checked;
      });
    });
    grids.forEach(function (grid) {
      grid.addEventListener("change", function () {
        if (!grid.checked) {
          all.checked = false;
        }
      });
    });
  });
})();
