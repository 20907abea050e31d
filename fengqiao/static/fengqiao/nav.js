/* The phone's tab strip: it scrolls sideways when the tabs outgrow the screen. Bring the
 * current tab into view (it may be far to the right) and let the "更多›" hint scroll the strip
 * on a tap. Loaded by base.html for every page; without it the strip still scrolls by hand. */
(function () {
  "use strict";

  function ready() {
    var nav = document.querySelector("nav.mainnav");
    if (!nav) {
      return;
    }
    var current = nav.querySelector("[aria-current=page]");
    if (current) {
      // Set scrollLeft rather than scrollIntoView, which would also move the page.
      var left = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
      nav.scrollLeft = Math.max(0, left);
    }
    var more = document.querySelector(".mainnav-more");
    if (more) {
      more.addEventListener("click", function () {
        nav.scrollBy({ left: nav.clientWidth * 0.7, behavior: "smooth" });
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
