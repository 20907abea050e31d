/* The target picker of the broadcast and alert forms (community/_target_picker.html).
 *
 * - "全选本镇" ticks every group of its township in place (without this script it is a
 *   submit button: the server brings the page back with them ticked).
 * - A community's box ticks or clears its groups; a group box keeps its community's box
 *   in step (ticked only when all its groups are).
 * - The count of chosen groups and their members follows every change.
 * - The map (shown only with this script) toggles a community when its shape is tapped.
 */
(function () {
  "use strict";

  function setup(picker) {
    var groupsOut = picker.querySelector("[data-pick-groups]");
    var membersOut = picker.querySelector("[data-pick-members]");
    var map = picker.querySelector("[data-pick-map]");

    function communityBoxes(community) {
      return community.querySelectorAll("input[name='groups']");
    }

    function syncCommunity(community) {
      var whole = community.querySelector("[data-pick-community-box]");
      if (!whole) {
        return;
      }
      var boxes = communityBoxes(community);
      var ticked = Array.prototype.filter.call(boxes, function (box) {
        return box.checked;
      }).length;
      whole.checked = boxes.length > 0 && ticked === boxes.length;
      whole.indeterminate = ticked > 0 && ticked < boxes.length;
      var area = map && map.querySelector("[data-pick-area='" + whole.value + "']");
      if (area) {
        area.classList.toggle("picked", whole.checked);
        area.classList.toggle("partly", whole.indeterminate);
        area.setAttribute("aria-pressed", whole.checked ? "true" : "false");
      }
    }

    function count() {
      var groups = 0;
      var members = 0;
      picker.querySelectorAll("input[name='groups']").forEach(function (box) {
        if (box.checked) {
          groups += 1;
          members += parseInt(box.dataset.members || "0", 10);
        }
      });
      if (groupsOut) {
        groupsOut.textContent = String(groups);
      }
      if (membersOut) {
        membersOut.textContent = String(members);
      }
      picker.querySelectorAll("[data-pick-township]").forEach(function (township) {
        var badge = township.querySelector("[data-pick-township-count]");
        if (badge) {
          badge.textContent = String(
            township.querySelectorAll("input[name='groups']:checked").length
          );
        }
      });
    }

    function setCommunity(community, checked) {
      communityBoxes(community).forEach(function (box) {
        box.checked = checked;
      });
      syncCommunity(community);
    }

    picker.addEventListener("change", function (event) {
      var box = event.target;
      var community = box.closest("[data-pick-community]");
      if (!community) {
        return;
      }
      if (box.matches("[data-pick-community-box]")) {
        setCommunity(community, box.checked);
      } else {
        syncCommunity(community);
      }
      count();
    });

    picker.querySelectorAll("[data-pick-all]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var township = button.closest("[data-pick-township]");
        township.querySelectorAll("[data-pick-community]").forEach(function (community) {
          setCommunity(community, true);
        });
        township.open = true;
        count();
      });
    });

    if (map) {
      map.hidden = false;
      var toggle = function (area) {
        var whole = picker.querySelector(
          "[data-pick-community-box][value='" + area.dataset.pickArea + "']"
        );
        if (!whole) {
          return;
        }
        var community = whole.closest("[data-pick-community]");
        setCommunity(community, !whole.checked);
        var township = community.closest("[data-pick-township]");
        if (township) {
          township.open = true;
        }
        count();
      };
      map.querySelectorAll("[data-pick-area]").forEach(function (area) {
        area.addEventListener("click", function () {
          toggle(area);
        });
        area.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            toggle(area);
          }
        });
      });
    }

    picker.querySelectorAll("[data-pick-community]").forEach(syncCommunity);
    count();
  }

  document.querySelectorAll("[data-target-picker]").forEach(setup);
})();
