/* Intake forms (intake/report_form.html, intake/staff_form.html).
 *
 * - A client key in a hidden field, so a double tap or a retry after a dropped connection
 *   answers with the report already made instead of making a second one. The server puts
 *   one in the page; this fills it in if a cached page lost it.
 * - One submit per tap.
 * - "Use my location": the browser's position into the hidden lon/lat fields.
 * - The category list only while the kind is a dispute.
 * - A reply template, when picked, copied into the reply's text to be edited (report page).
 * Every text comes from the page's data-* attributes, already translated.
 */
(function () {
  "use strict";

  var newKey = window.fengqiaoNewKey;

  function setupSubmit(form) {
    var key = form.querySelector("[data-client-key]");
    if (key && !key.value) {
      key.value = newKey();
    }
    var buttons = form.querySelectorAll("[data-submit]");
    buttons.forEach(function (button) {
      button.dataset.idleText = button.textContent;
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting) {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "1";
      buttons.forEach(function (button) {
        button.setAttribute("aria-busy", "true");
        button.textContent = button.dataset.busyText || button.textContent;
      });
    });
    // Back from the next page (bfcache): the form may be sent again, with the same key.
    window.addEventListener("pageshow", function () {
      delete form.dataset.submitting;
      buttons.forEach(function (button) {
        button.removeAttribute("aria-busy");
        button.textContent = button.dataset.idleText;
      });
    });
  }

  function setupLocate(form) {
    var box = form.querySelector("[data-locate-box]");
    var button = form.querySelector("[data-locate]");
    var clear = form.querySelector("[data-locate-clear]");
    var lon = form.querySelector("[data-lon]");
    var lat = form.querySelector("[data-lat]");
    var status = form.querySelector("[data-locate-status]");
    if (!box || !button || !lon || !lat || !("geolocation" in navigator)) {
      return;
    }
    box.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.busyText;
      button.setAttribute("aria-busy", "true");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lon.value = position.coords.longitude.toFixed(6);
          lat.value = position.coords.latitude.toFixed(6);
          button.removeAttribute("aria-busy");
          status.textContent = button.dataset.doneText;
          if (clear) {
            clear.hidden = false;
          }
          lon.dispatchEvent(new Event("change", { bubbles: true }));
        },
        function () {
          button.removeAttribute("aria-busy");
          status.textContent = button.dataset.failText;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
    if (clear) {
      clear.addEventListener("click", function () {
        lon.value = "";
        lat.value = "";
        status.textContent = "";
        clear.hidden = true;
        lon.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
  }

  function setupCategories(form) {
    var categories = form.querySelector("[data-categories]");
    var kinds = form.querySelectorAll("[data-kind]");
    if (!categories || !kinds.length) {
      return;
    }
    function chosenKind() {
      var kind = "";
      kinds.forEach(function (input) {
        if (input.checked) {
          kind = input.value;
        }
      });
      return kind;
    }
    function update() {
      var kind = chosenKind();
      categories.hidden = kind !== "" && kind !== "dispute";
    }
    kinds.forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  }

  function setupReplyTemplates(form) {
    var select = form.querySelector("[data-reply-template]");
    var text = form.querySelector("[data-reply-text]");
    if (!select || !text) {
      return;
    }
    var copied = "";
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var words = (option && option.dataset.text) || "";
      // Replace only what a template put there, never what the officer typed.
      if (words && (text.value === "" || text.value === copied)) {
        text.value = words;
        copied = words;
      }
    });
  }

  document.querySelectorAll("form[data-reply-form]").forEach(setupReplyTemplates);

  document.querySelectorAll("form[data-report-form]").forEach(function (form) {
    setupSubmit(form);
    setupLocate(form);
    setupCategories(form);
  });
})();
