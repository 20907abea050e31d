/* 我的巡逻 (dispatch/patrol_mine.html): the big 打卡 button.
 *
 * - A tap asks the phone where it is, puts the position into the hidden lon/lat/accuracy
 *   fields and only then sends the form, so every check-in carries a location; the server
 *   adds its own time and measures the distance to the chosen point.
 * - No position (refused, switched off, timed out): nothing is sent, and the page says
 *   how to fix it; the next tap tries again.
 * - A client key in a hidden field, so a double tap or a resend after a dropped connection
 *   finds the check-in already made instead of making a second one. One send per tap.
 * - Without a signal the check-in is queued on the phone (offline.js), its note stamped
 *   with the phone's time, and sent when the signal returns.
 * Every text comes from the form's data-* attributes, already translated.
 */
(function () {
  "use strict";

  var newKey = window.fengqiaoNewKey;

  function setup(form) {
    var key = form.querySelector("[data-client-key]");
    var lon = form.querySelector("[data-lon]");
    var lat = form.querySelector("[data-lat]");
    var accuracy = form.querySelector("[data-accuracy]");
    var status = form.querySelector("[data-patrol-status]");
    var button = form.querySelector("[data-submit]");
    if (key && !key.value) {
      key.value = newKey();
    }
    if (!lon || !lat || !button) {
      return;
    }
    var idleText = button.textContent;

    function idle(message) {
      delete form.dataset.submitting;
      button.removeAttribute("aria-busy");
      button.disabled = false;
      button.textContent = idleText;
      if (status) {
        status.textContent = message || "";
      }
    }

    // No signal: the check-in waits on the phone (offline.js) and is sent when the signal
    // returns. The server stamps it when it arrives, so its note says when it was made.
    function queued() {
      var offline = window.fengqiaoOffline;
      if (!offline || navigator.onLine !== false || !form.hasAttribute("data-offline-queue")) {
        return false;
      }
      var note = form.querySelector('[name="note"]');
      if (note && form.dataset.textOfflineNote) {
        var now = new Date();
        var time = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
        var stamp = form.dataset.textOfflineNote.replace("{time}", time);
        note.value = (stamp + " " + note.value).trim().slice(0, 200);
      }
      return offline.queueIfOffline(form);
    }

    function send() {
      if (queued()) {
        idle("");
        return;
      }
      if (status) {
        status.textContent = form.dataset.textSending;
      }
      button.textContent = form.dataset.textSending;
      // Through offline.js where it can: a weak signal then keeps the check-in on the phone
      // (and the button is free again) instead of showing the browser's error page.
      var offline = window.fengqiaoOffline;
      var sending = offline && offline.sendForm ? offline.sendForm(form) : null;
      if (sending) {
        sending.then(function () {
          idle("");
        });
      } else {
        form.submit();
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.dataset.submitting) {
        return;
      }
      if (!("geolocation" in navigator)) {
        idle(form.dataset.textNoFix);
        return;
      }
      form.dataset.submitting = "1";
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      if (status) {
        status.textContent = form.dataset.textLocating;
      }
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lon.value = position.coords.longitude.toFixed(6);
          lat.value = position.coords.latitude.toFixed(6);
          if (accuracy && typeof position.coords.accuracy === "number") {
            accuracy.value = Math.round(position.coords.accuracy);
          }
          send();
        },
        function () {
          lon.value = "";
          lat.value = "";
          idle(form.dataset.textNoFix);
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 }
      );
    });

    // Back from the next page (bfcache): ready for another tap, with the same key.
    window.addEventListener("pageshow", function () {
      idle("");
    });
  }

  document.querySelectorAll("[data-patrol-checkin]").forEach(setup);
})();
