/* Report forms: pick the place on a map, and describe first (intake/report_form.html,
 * intake/staff_form.html).
 *
 * The map: the form's [data-map-box] shows once this script runs. Choosing a village
 * (community) — listed by township, a township whose grids sit directly under it as
 * "（全镇）" — loads its map, an SVG fragment drawn by the server from our own grid and
 * building data (no tiles). "Use my location" loads the map of the village holding the
 * point, marks it, and shows that village chosen in the select. On the map:
 * - a building (a [data-building] dot): the building's code, its address, its grid and
 *   (public form) its point are filled in;
 * - anywhere inside a grid: the grid, and (public form) the point tapped.
 * A point near a grid's edge then raises the form's "which grid?" question, because the
 * point goes into the hidden lon field and a change event is sent from it.
 * The staff form has a grid select ([data-grid-select]): a tap sets it and no point, as
 * staff place reports by grid or building. The names-only selects stay inside a
 * <details>, which is shut here (it is open for a browser without scripts).
 *
 * The kinds: once a story is typed, the server's suggestions ("is it one of these?") are
 * shown and the full list of categories is hidden until "其他类型…" is chosen (or one of
 * the full list is already chosen, after an error). Once the resident picks, the
 * suggestions stop changing under them.
 */
(function () {
  "use strict";

  function setupMap(form) {
    var box = form.querySelector("[data-map-box]");
    if (!box || !window.htmx) {
      return;
    }
    var url = box.dataset.mapUrl;
    var area = box.querySelector("[data-map-area]");
    var slot = box.querySelector("[data-map-slot]");
    var picked = box.querySelector("[data-map-picked]");
    var lon = form.querySelector("[data-lon]");
    var lat = form.querySelector("[data-lat]");
    var building = form.querySelector("[data-building-code]");
    var address = form.querySelector("[data-map-address]");
    var gridSelect = form.querySelector("[data-grid-select]");
    var fallback = form.querySelector("[data-place-fallback]");
    var settingPoint = false;
    box.hidden = false;
    if (fallback && !("keepOpen" in fallback.dataset)) {
      fallback.open = false;
    }

    function load(query) {
      window.htmx.ajax("GET", url + "?" + query, { target: slot, swap: "innerHTML" });
    }

    if (area) {
      area.addEventListener("change", function () {
        if (area.value) {
          load("area=" + encodeURIComponent(area.value));
        } else {
          slot.innerHTML = "";
        }
      });
    }

    // "Use my location" (report.js) fills lon/lat and sends a change: show that village.
    if (lon && lat) {
      lon.addEventListener("change", function () {
        if (settingPoint || !lon.value || !lat.value) {
          return;
        }
        load("lon=" + encodeURIComponent(lon.value) + "&lat=" + encodeURIComponent(lat.value));
      });
    }

    // A map drawn from a point (or after an error) names its area: show that area as the
    // select's choice, when the list has it, without loading the map again.
    slot.addEventListener("htmx:afterSwap", function () {
      var map = figure();
      var code = map && map.dataset.area;
      if (area && code && area.value !== code) {
        var option = Array.prototype.find.call(area.options, function (item) {
          return item.value === code;
        });
        if (option) {
          area.value = code;
        }
      }
    });

    function figure() {
      return slot.querySelector("[data-pick-map]");
    }

    function gridName(code) {
      var map = figure();
      var path = map && map.querySelector('path[data-grid="' + code + '"]');
      return path ? path.dataset.gridName : "";
    }

    function mark(x, y) {
      var map = figure();
      var dot = map && map.querySelector("[data-map-mark]");
      if (dot) {
        dot.setAttribute("cx", x);
        dot.setAttribute("cy", y);
        dot.removeAttribute("display");
      }
    }

    function setPoint(pointLon, pointLat) {
      if (!lon || !lat) {
        return;
      }
      if (gridSelect) {
        // Staff: the tapped grid or building places the report, not an earlier position
        // of this phone (which, sent along, would outrank them).
        if (lon.value || lat.value) {
          lon.value = "";
          lat.value = "";
          var status = form.querySelector("[data-locate-status]");
          var clear = form.querySelector("[data-locate-clear]");
          if (status) {
            status.textContent = "";
          }
          if (clear) {
            clear.hidden = true;
          }
        }
        return;
      }
      lon.value = pointLon;
      lat.value = pointLat;
      settingPoint = true;
      lon.dispatchEvent(new Event("change", { bubbles: true }));
      settingPoint = false;
    }

    function setGrid(code) {
      if (gridSelect) {
        gridSelect.value = code;
        gridSelect.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    function say(words) {
      picked.textContent = words;
    }

    function chooseBuilding(node) {
      var data = node.dataset;
      if (building) {
        building.value = data.building;
      }
      if (address) {
        address.value = data.address;
        address.dispatchEvent(new Event("change", { bubbles: true }));
      }
      setGrid(data.grid);
      setPoint(data.lon, data.lat);
      figure().querySelectorAll(".pick-building.chosen").forEach(function (other) {
        other.classList.remove("chosen");
      });
      node.classList.add("chosen");
      var dot = node.querySelector("circle.building");
      mark(dot.getAttribute("cx"), dot.getAttribute("cy"));
      say(box.dataset.chosenText + gridName(data.grid) + " · " + data.address);
    }

    function chooseGrid(path, event) {
      var map = figure();
      var svg = map.querySelector("svg");
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var at = point.matrixTransform(svg.getScreenCTM().inverse());
      var scale = parseFloat(map.dataset.scale);
      var pointLon = parseFloat(map.dataset.west) + at.x / (parseFloat(map.dataset.xFactor) * scale);
      var pointLat = parseFloat(map.dataset.north) - at.y / scale;
      if (building) {
        building.value = "";
      }
      setGrid(path.dataset.grid);
      setPoint(pointLon.toFixed(6), pointLat.toFixed(6));
      mark(at.x.toFixed(1), at.y.toFixed(1));
      say(box.dataset.chosenText + path.dataset.gridName);
    }

    slot.addEventListener("click", function (event) {
      var node = event.target.closest("[data-building]");
      if (node) {
        chooseBuilding(node);
        return;
      }
      var path = event.target.closest("path[data-grid]");
      if (path) {
        chooseGrid(path, event);
      }
    });
    slot.addEventListener("keydown", function (event) {
      var node = event.target.closest("[data-building]");
      if (node && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        chooseBuilding(node);
      }
    });

    // Back after an error with a point: show where it was.
    if (lon && lat && lon.value && lat.value) {
      load("lon=" + encodeURIComponent(lon.value) + "&lat=" + encodeURIComponent(lat.value));
    }
  }

  function setupSuggestions(form) {
    var box = form.querySelector("[data-suggestions]");
    var list = form.querySelector("[data-category-list]");
    if (!box || !list || !window.htmx) {
      return;
    }
    var picked = false;
    box.hidden = false;
    var fullChosen = list.querySelector("input:checked");
    list.hidden = !fullChosen;

    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.name !== "category") {
        return;
      }
      picked = true;
      if ("categoryMore" in input.dataset) {
        list.hidden = false;
        var first = list.querySelector("input");
        if (first) {
          first.focus();
        }
      }
    });
    // Once the resident has chosen, their choice stays put while they go on typing.
    box.addEventListener("htmx:beforeRequest", function (event) {
      if (picked) {
        event.preventDefault();
      }
    });
  }

  document.querySelectorAll("form[data-report-form]").forEach(function (form) {
    setupMap(form);
    setupSuggestions(form);
  });
})();
