/* One client key per form or alarm: an idempotency key the server binds to its sender, so
 * a double tap or a resend after a dropped connection finds what was already made.
 * Loaded by base.html for every page; the forms' scripts call window.fengqiaoNewKey(). */
(function () {
  "use strict";

  window.fengqiaoNewKey = function () {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  };
})();
