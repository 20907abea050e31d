// Case import: while a check or an import runs (the form's htmx request), ask for its
// progress every second and show it in the form's progress line. A trigger filter
// ("every 1s [cond]") would need eval, which the CSP forbids.
(function () {
  "use strict";
  var timer = null;
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-import-progress]");
    if (!form || timer) return;
    var line = form.querySelector("[data-progress-line]");
    timer = window.setInterval(function () {
      if (line && window.htmx) {
        window.htmx.ajax("GET", form.getAttribute("data-import-progress"), {
          target: line,
          swap: "innerHTML",
        });
      }
    }, 1000);
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-import-progress]");
    if (form && timer) {
      window.clearInterval(timer);
      timer = null;
    }
  });
})();
