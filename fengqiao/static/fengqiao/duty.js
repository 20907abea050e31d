/* The officer's phone (dispatch/duty.html, duty_incident.html).
 *
 * - While the duty page is open, the phone's position (navigator.geolocation.watchPosition)
 *   is sent to the server at most every 30 seconds, and the time of the last fix it took is
 *   shown. Nothing is sent from any other page.
 * - A new incident sent to the officer's units makes the phone vibrate where it can.
 * - The 反馈 form shows the category only when the incident becomes a case.
 * - One submit per tap on the step and result buttons.
 * Every text comes from the page's data-* attributes, already translated.
 */
(function () {
  "use strict";

  var REPORT_EVERY_MS = 30000;

  function setupPosition(box) {
    var status = box.querySelector("[data-position-status]");
    if (!("geolocation" in navigator)) {
      status.textContent = box.dataset.noneText;
      return;
    }
    var lastSent = 0;
    var sending = false;

    function send(position) {
      var now = Date.now();
      if (sending || now - lastSent < REPORT_EVERY_MS) {
        return;
      }
      sending = true;
      lastSent = now;
      var body = new URLSearchParams();
      body.set("lon", position.coords.longitude.toFixed(6));
      body.set("lat", position.coords.latitude.toFixed(6));
      if (position.coords.accuracy) {
        body.set("accuracy", String(Math.round(position.coords.accuracy)));
      }
      fetch(box.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": box.dataset.csrf },
        body: body,
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          if (answer && answer.at) {
            status.textContent = box.dataset.doneText + " " + answer.at;
            box.dataset.lastFix = answer.at;
          }
        })
        .catch(function () {
          lastSent = 0; // try again with the next fix
        })
        .finally(function () {
          sending = false;
        });
    }

    status.textContent = box.dataset.busyText;
    navigator.geolocation.watchPosition(
      send,
      function () {
        status.textContent = box.dataset.failText;
      },
      { enableHighAccuracy: true, maximumAge: 15000, timeout: 60000 }
    );
    // watchPosition only calls back when the phone moves: resend the last place on a timer.
    window.setInterval(function () {
      navigator.geolocation.getCurrentPosition(send, function () {}, {
        enableHighAccuracy: true,
        maximumAge: REPORT_EVERY_MS,
        timeout: 20000,
      });
    }, REPORT_EVERY_MS);
  }

  function numbers(root) {
    var found = {};
    root.querySelectorAll("[data-incident]").forEach(function (row) {
      found[row.dataset.incident] = true;
    });
    return found;
  }

  function setupIncidents(list) {
    var seen = numbers(list);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== list) {
        return;
      }
      var now = numbers(list);
      var fresh = Object.keys(now).some(function (number) {
        return !seen[number];
      });
      seen = now;
      if (fresh && navigator.vibrate) {
        navigator.vibrate([300, 150, 300]);
      }
    });
  }

  function setupResult(form) {
    var category = form.querySelector("[data-case-category]");
    var outcomes = form.querySelectorAll("input[name='outcome']");
    if (!category) {
      return;
    }
    function update() {
      var opens = false;
      outcomes.forEach(function (input) {
        if (input.checked && input.hasAttribute("data-opens-case")) {
          opens = true;
        }
      });
      category.hidden = !opens;
    }
    outcomes.forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  }

  function setupSubmitOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting) {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "1";
      form.querySelectorAll("[data-submit-once]").forEach(function (button) {
        button.setAttribute("aria-busy", "true");
      });
    });
    window.addEventListener("pageshow", function () {
      delete form.dataset.submitting;
    });
  }

  var box = document.querySelector("[data-duty-position]");
  if (box) {
    setupPosition(box);
  }
  var list = document.querySelector("[data-duty-incidents]");
  if (list) {
    setupIncidents(list);
  }
  document.querySelectorAll("[data-result-form]").forEach(setupResult);
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-submit-once]")) {
      setupSubmitOnce(form);
    }
  });
})();
