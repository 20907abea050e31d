/* The one-click alarm (dispatch/alarm.html).
 *
 * - Where: the phone is located as the page opens (short timeout) and the last good fix is
 *   remembered. The tap sends the fresh fix; else the remembered one ("last_known", if
 *   younger than a day); else the building the resident chose once (remembered too); else
 *   the server falls back to the group's place. A kiosk neither locates nor remembers
 *   anything of the resident: the server knows the kiosk's place.
 * - Sending: fetch, and a lost connection is retried with the same client key, so the
 *   server answers a retry with the alarm already raised. Any answer other than the alarm's
 *   page is left to a plain post of the form, which shows the server's errors.
 * - The silent switch turns the button plain; while sending, nothing alarming is shown,
 *   and the page that follows is a neutral one.
 * Every text comes from the page's data-* attributes, already translated.
 */
(function () {
  "use strict";

  var LAST_FIX = "fengqiao.alarm.lastFix";
  var MY_PLACE = "fengqiao.alarm.myBuilding";
  var SILENT = "fengqiao.alarm.silent";
  var KIOSK_PLACE = "fengqiao.kiosk.place";
  var LAST_FIX_MAX_AGE_MS = 24 * 3600 * 1000;
  var LOCATE_TIMEOUT_MS = 8000;
  var TAP_WAIT_MS = 3000;
  var RETRY_DELAYS_MS = [1000, 2000, 4000, 6000, 8000];

  var form = document.querySelector("[data-alarm-form]");
  if (!form) {
    return;
  }
  var text = form.dataset;
  var kiosk = text.channel === "kiosk";
  var button = form.querySelector("[data-alarm-button]");
  var statusLine = form.querySelector("[data-alarm-status]");
  var lon = form.querySelector("[data-lon]");
  var lat = form.querySelector("[data-lat]");
  var source = form.querySelector("[data-location-source]");
  var silent = form.querySelector("[data-silent]");
  var picker = form.querySelector("[data-building-picker]");
  var slot = form.querySelector("[data-building-slot]");
  var savedGrid = form.querySelector("[data-saved-grid]");
  var savedBuilding = form.querySelector("[data-saved-building]");
  var savedBox = form.querySelector("[data-saved-place]");
  var hasErrors = !!document.querySelector("[data-alarm-errors]");

  function read(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function write(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* private mode or full: the alarm works without it */
    }
  }

  function forget(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (error) {
      /* nothing to forget */
    }
  }

  var newKey = window.fengqiaoNewKey;

  function say(message) {
    if (statusLine && message) {
      statusLine.textContent = message;
    }
  }

  function delay(ms) {
    return new Promise(function (resolve) {
      window.setTimeout(resolve, ms);
    });
  }

  var key = form.querySelector("[data-client-key]");
  if (key && !key.value) {
    key.value = newKey();
  }

  // --- silent ------------------------------------------------------------------------------
  function isSilent() {
    return !!(silent && silent.checked);
  }

  function showSilent() {
    form.classList.toggle("is-silent", isSilent());
  }

  if (silent) {
    if (!kiosk && !hasErrors && read(SILENT) === true) {
      silent.checked = true;
    }
    silent.addEventListener("change", function () {
      showSilent();
      if (!kiosk) {
        write(SILENT, silent.checked);
      }
    });
    showSilent();
  }

  // --- the building the resident chose once -----------------------------------------------
  function savedPlace() {
    return kiosk ? null : read(MY_PLACE);
  }

  function showSaved() {
    var place = savedPlace();
    if (savedGrid) {
      savedGrid.value = place ? place.grid || "" : "";
    }
    if (savedBuilding) {
      savedBuilding.value = place ? place.building || "" : "";
    }
    if (savedBox) {
      savedBox.hidden = !place;
      var name = savedBox.querySelector("[data-saved-place-name]");
      if (name) {
        name.textContent = place ? place.label || "" : "";
      }
    }
  }

  function chosenInPicker() {
    var grid = form.querySelector("select[name=grid_code]");
    return !!(grid && grid.value);
  }

  function remember() {
    var grid = form.querySelector("select[name=grid_code]");
    var building = form.querySelector("select[name=building]");
    if (kiosk || !grid || !grid.value) {
      return;
    }
    var hasBuilding = !!(building && building.value);
    var chosen = hasBuilding ? building : grid;
    write(MY_PLACE, {
      grid: grid.value,
      building: hasBuilding ? building.value : "",
      label: chosen.options[chosen.selectedIndex].text,
    });
    showSaved();
    if (!fix && !sending) {
      say(fallbackText());
    }
  }

  function loadBuildings(gridCode) {
    if (!slot) {
      return;
    }
    slot.innerHTML = "";
    if (!gridCode) {
      return;
    }
    var url = text.buildingsUrl + "?grid_code=" + encodeURIComponent(gridCode);
    window
      .fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        slot.innerHTML = html;
      })
      .catch(function () {
        /* the grid alone is a place */
      });
  }

  if (form.hasAttribute("data-forget-saved")) {
    forget(MY_PLACE);
  }
  showSaved();
  if (picker) {
    picker.addEventListener("change", function (event) {
      var name = event.target.name;
      if (name === "grid_code") {
        loadBuildings(event.target.value);
        remember();
      } else if (name === "building") {
        remember();
      } else if ((name === "township" || name === "community") && slot) {
        slot.innerHTML = "";
      }
    });
  }
  var change = form.querySelector("[data-saved-place-change]");
  if (change && picker) {
    change.addEventListener("click", function () {
      picker.open = true;
      var first = picker.querySelector("select");
      if (first) {
        first.focus();
      }
    });
  }

  // --- the kiosk's place ---------------------------------------------------------------------
  if (kiosk) {
    var kioskPlace = form.querySelector("[data-kiosk-place]");
    var stored = read(KIOSK_PLACE);
    if (kioskPlace && !kioskPlace.value && stored && stored.code) {
      kioskPlace.value = stored.code;
      var unset = document.querySelector("[data-kiosk-unset]");
      if (unset) {
        unset.hidden = true;
      }
    }
  }

  // --- where the phone is --------------------------------------------------------------------
  var fix = null;
  var locating = null;
  var sending = false;

  function lastKnown() {
    var last = read(LAST_FIX);
    if (!last || typeof last.lon !== "number" || typeof last.lat !== "number") {
      return null;
    }
    return Date.now() - (last.at || 0) < LAST_FIX_MAX_AGE_MS ? last : null;
  }

  function fallbackText() {
    if (lastKnown()) {
      return text.textLastKnown;
    }
    if (savedPlace() || chosenInPicker()) {
      return text.textBuilding;
    }
    return text.textNoFix;
  }

  function locate() {
    if (kiosk || !("geolocation" in navigator) || !window.Promise) {
      return null;
    }
    if (!sending) {
      say(text.textLocating);
    }
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(
        function (position) {
          fix = {
            lon: position.coords.longitude,
            lat: position.coords.latitude,
            at: Date.now(),
          };
          write(LAST_FIX, fix);
          if (!sending) {
            say(text.textLocated);
          }
          resolve(fix);
        },
        function () {
          if (!sending) {
            say(fallbackText());
          }
          locating = null; // the next tap asks again
          resolve(null);
        },
        { enableHighAccuracy: true, timeout: LOCATE_TIMEOUT_MS, maximumAge: 60000 }
      );
    });
  }

  function setPoint(point, how) {
    lon.value = point.lon.toFixed(6);
    lat.value = point.lat.toFixed(6);
    source.value = how;
  }

  function fillPlace() {
    if (kiosk) {
      return Promise.resolve();
    }
    if (!fix && !locating) {
      locating = locate();
    }
    var waiting = fix
      ? Promise.resolve(fix)
      : locating
        ? Promise.race([
            locating,
            delay(TAP_WAIT_MS).then(function () {
              return null;
            }),
          ])
        : Promise.resolve(null);
    return waiting.then(function (found) {
      var point = found || fix;
      if (point) {
        setPoint(point, "device");
        return;
      }
      var last = lastKnown();
      if (last) {
        setPoint(last, "last_known");
        return;
      }
      lon.value = "";
      lat.value = "";
      source.value = "";
    });
  }

  // --- sending -------------------------------------------------------------------------------
  function busy(on) {
    sending = on;
    if (on) {
      form.dataset.sending = "1";
      button.setAttribute("aria-busy", "true");
    } else {
      delete form.dataset.sending;
      button.removeAttribute("aria-busy");
    }
  }

  function postPlainly() {
    // The server's answer (errors, a refusal) as a page: the same form, the same key.
    HTMLFormElement.prototype.submit.call(form);
  }

  function send(attempt) {
    window
      .fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      })
      .then(
        function (response) {
          if (response.ok && response.redirected) {
            window.location.replace(response.url);
          } else if (response.status >= 500) {
            retry(attempt);
          } else {
            postPlainly();
          }
        },
        function () {
          retry(attempt);
        }
      );
  }

  function retry(attempt) {
    if (attempt >= RETRY_DELAYS_MS.length) {
      busy(false);
      say(isSilent() ? text.textFailedSilent : text.textFailed);
      return;
    }
    say(
      isSilent() ? text.textRetryingSilent : text.textRetrying.replace("%s", String(attempt + 2))
    );
    window.setTimeout(function () {
      send(attempt + 1);
    }, RETRY_DELAYS_MS[attempt]);
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData || !window.Promise) {
      return; // an old browser posts the form itself
    }
    event.preventDefault();
    if (sending) {
      return; // a second tap of the same alarm
    }
    busy(true);
    say(isSilent() ? text.textSendingSilent : text.textSending);
    fillPlace().then(function () {
      send(0);
    });
  });

  // Back from the next page (bfcache): the alarm may be sent again, with the same key.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      busy(false);
    }
  });

  if (!kiosk) {
    locating = locate();
  }
})();
