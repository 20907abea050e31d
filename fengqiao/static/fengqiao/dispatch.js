/* Dispatch pages (dispatch/board.html, incident.html, the duty pages).
 *
 * - Clocks: every <time class="clock" data-since="epoch seconds"> ticks mm:ss since the
 *   incident was received. The server's own "now" (data-now on the board's rows) corrects
 *   for a phone whose clock is off.
 * - The board's rows are refreshed by htmx every few seconds; when a red incident appears
 *   that was not there before, the page shows a notice and, once the user has switched the
 *   sound on, beeps (WebAudio: no sound file to download, works offline). Browsers allow
 *   sound only after one gesture on the page, hence the "开启提示音" button.
 * Every text comes from the page's data-* attributes, already translated.
 */
(function () {
  "use strict";

  var skew = 0; // server clock minus this device's clock, in seconds

  function readSkew(root) {
    var stamp = root.querySelector("[data-now]");
    if (stamp) {
      skew = parseInt(stamp.dataset.now, 10) - Date.now() / 1000;
    }
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    var now = Date.now() / 1000 + skew;
    document.querySelectorAll("time.clock[data-since]").forEach(function (clock) {
      var seconds = Math.max(0, Math.floor(now - parseInt(clock.dataset.since, 10)));
      clock.textContent = pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
      clock.classList.toggle("late", seconds >= 600);
    });
  }

  // --- sound ------------------------------------------------------------------------------
  var audio = null;

  function beep() {
    if (!audio) {
      return false;
    }
    try {
      var start = audio.currentTime + 0.02;
      for (var i = 0; i < 3; i += 1) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.type = "square";
        oscillator.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, start + i * 0.3);
        gain.gain.exponentialRampToValueAtTime(0.25, start + i * 0.3 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.3 + 0.18);
        oscillator.connect(gain);
        gain.connect(audio.destination);
        oscillator.start(start + i * 0.3);
        oscillator.stop(start + i * 0.3 + 0.2);
      }
      return true;
    } catch (error) {
      return false;
    }
  }

  function setupSound(button) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!button || !Context) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (!audio) {
        try {
          audio = new Context();
        } catch (error) {
          return;
        }
      }
      if (audio.state === "suspended" && audio.resume) {
        audio.resume();
      }
      beep();
      button.textContent = button.dataset.onText;
      button.setAttribute("aria-pressed", "true");
      button.classList.remove("secondary");
    });
  }

  // --- the board's rows -------------------------------------------------------------------
  function redNumbers(root) {
    var found = {};
    root.querySelectorAll("[data-incident][data-risk='red']").forEach(function (row) {
      found[row.dataset.incident] = true;
    });
    return found;
  }

  function setupBoard(rows) {
    var notice = document.querySelector("[data-new-red]");
    var seen = redNumbers(rows);
    readSkew(rows);
    // Each poll says which rows it shows; the server answers 204 while they are current.
    document.body.addEventListener("htmx:configRequest", function (event) {
      var stamp = rows.querySelector("[data-board-stamp]");
      if (event.detail.elt === rows && stamp) {
        event.detail.parameters.stamp = stamp.dataset.boardStamp;
      }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== rows) {
        return;
      }
      readSkew(rows);
      var now = redNumbers(rows);
      var fresh = Object.keys(now).filter(function (number) {
        return !seen[number];
      });
      Object.keys(now).forEach(function (number) {
        seen[number] = true;
      });
      tick();
      if (!fresh.length) {
        return;
      }
      fresh.forEach(function (number) {
        var row = rows.querySelector("[data-incident='" + number + "']");
        if (row) {
          row.classList.add("fresh");
        }
      });
      if (notice) {
        notice.hidden = false;
      }
      rows.dataset.alerts = String(parseInt(rows.dataset.alerts || "0", 10) + 1);
      if (beep()) {
        rows.dataset.beeps = String(parseInt(rows.dataset.beeps || "0", 10) + 1);
      }
    });
    if (notice) {
      notice.addEventListener("click", function () {
        notice.hidden = true;
      });
    }
  }

  setupSound(document.querySelector("[data-sound-toggle]"));
  var rows = document.querySelector("[data-board-rows]");
  if (rows) {
    setupBoard(rows);
  }
  tick();
  window.setInterval(tick, 1000);
})();
