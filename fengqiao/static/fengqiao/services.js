/* The service application form: choosing a day lists its slots at once (the page works
 * without this: the 查看可预约时段 button does the same), and choosing a grid in the door
 * request's picker loads its buildings (dispatch's public /alarm/buildings/ fragment). */
(function () {
  "use strict";

  var daySelect = document.querySelector("[data-day-select]");
  if (daySelect) {
    var dayButton = document.querySelector("[data-day-submit]");
    if (dayButton) {
      dayButton.hidden = true;
    }
    daySelect.addEventListener("change", function () {
      if (daySelect.value) {
        daySelect.form.submit();
      }
    });
  }

  var picker = document.querySelector("[data-building-picker]");
  if (!picker) {
    return;
  }
  var slot = picker.querySelector("[data-building-slot]");
  var url = picker.getAttribute("data-buildings-url");
  picker.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "township" || name === "community") {
      slot.innerHTML = "";
      return;
    }
    if (name !== "grid_code") {
      return;
    }
    slot.innerHTML = "";
    if (!event.target.value) {
      return;
    }
    window
      .fetch(url + "?grid_code=" + encodeURIComponent(event.target.value), {
        credentials: "same-origin",
      })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        slot.innerHTML = html;
      })
      .catch(function () {
        /* the building code field still works */
      });
  });
})();
