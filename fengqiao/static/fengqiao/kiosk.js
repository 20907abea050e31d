/* The self-service kiosk (dispatch/kiosk.html, and every page opened from it).
 *
 * - The kiosk's place: /kiosk/?place=<building code>, checked by the server, is remembered
 *   by the terminal (localStorage) and carried by the alarm button to the alarm page.
 * - Without a touch for a while (data-idle-seconds on [data-kiosk], 60 by default) a page
 *   goes back to the start with its forms emptied, so nothing a resident typed stays on
 *   the screen; an alarm still being sent is waited for.
 */
(function () {
  "use strict";

  var KIOSK_PLACE = "fengqiao.kiosk.place";
  var IDLE_SECONDS = 60;
  var box = document.querySelector("[data-kiosk]");
  var data = box ? box.dataset : {};
  var home = data.kioskHome || "/kiosk/";
  var start = !!(box && box.hasAttribute("data-kiosk-start"));

  function stored() {
    try {
      return JSON.parse(window.localStorage.getItem(KIOSK_PLACE) || "null");
    } catch (error) {
      return null;
    }
  }

  if (data.placeCode) {
    try {
      window.localStorage.setItem(
        KIOSK_PLACE,
        JSON.stringify({ code: data.placeCode, name: data.placeName || "" })
      );
    } catch (error) {
      /* the alarm page asks for the building instead */
    }
  }
  if (start && window.location.search && window.history.replaceState) {
    window.history.replaceState(null, "", home);
  }

  var place = stored();
  if (start) {
    document.querySelectorAll("[data-kiosk-alarm-link]").forEach(function (link) {
      if (place && place.code) {
        var url = new URL(link.href, window.location.href);
        url.searchParams.set("place", place.code);
        link.href = url.pathname + url.search;
      }
    });
    var line = document.querySelector("[data-kiosk-place-line]");
    if (line && place) {
      line.hidden = false;
      line.querySelector("[data-kiosk-place-name]").textContent = place.name || place.code;
    }
    var unset = document.querySelector("[data-kiosk-unset]");
    if (unset) {
      unset.hidden = !!place;
    }
    try {
      window.sessionStorage.clear();
    } catch (error) {
      /* nothing kept */
    }
  }

  // --- back to the start after a while without a touch ----------------------------------------
  var timer = null;

  function seconds() {
    var chosen = parseInt((box && box.dataset.idleSeconds) || "", 10);
    return chosen > 0 ? chosen : IDLE_SECONDS;
  }

  function restart() {
    window.clearTimeout(timer);
    timer = window.setTimeout(idle, seconds() * 1000);
  }

  function idle() {
    if (document.querySelector("[data-sending]")) {
      restart();
      return;
    }
    document.querySelectorAll("form").forEach(function (form) {
      form.reset();
    });
    if (start) {
      window.scrollTo(0, 0);
      restart();
      return;
    }
    window.location.replace(home);
  }

  ["pointerdown", "touchstart", "keydown", "input", "scroll", "wheel"].forEach(function (name) {
    window.addEventListener(name, restart, { capture: true, passive: true });
  });
  window.addEventListener("pageshow", restart);
  restart();
})();
