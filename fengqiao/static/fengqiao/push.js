/* Server push for pages that refetch their own fragments (docs/live.md, "Topics beyond the
 * chat"): the dispatch board, the duty page, the @-mention inbox, an alert's activity panel,
 * and the nav's unread badge. Loaded on every page by base.html; idle where nothing follows.
 *
 * A "follower" element declares its topics (data-push-topic="board:3 board:4") and the
 * stream's address (data-push-stream, only when the server has one: under `fengqiao demo` it
 * has not, and the page just polls). All followers of a page share ONE stream (at most 8
 * topics; a follower whose topics did not fit just polls). Followers that arrive later (the
 * badge's fragment) reopen the stream with their topics added.
 *
 * The element that polls is the follower itself, or its parent with hx-get (the badge).
 * While the stream is open and fresh its htmx poll is held back, except for one safety poll
 * every data-push-safety seconds (default 60). An event on one of its topics makes it ask
 * at once (htmx event "push-nudge", which its hx-trigger lists). A follower with
 * data-push-count counts instead: each event adds one to its [data-push-total] (the unread
 * badge: no request at all), except for the group whose own chat is this page.
 * When the stream opens (or reopens, or the server says "resync"), every poller asks once.
 */
(function () {
  "use strict";
  if (!window.EventSource || !window.htmx) return;

  var FOLLOWS = "[data-push-topic][data-push-stream]";
  var MAX_TOPICS = 8; // the stream's own limit
  var FRESH_MS = 50000; // the server pings every 20 s
  var source = null;
  var subscribed = [];
  var live = false;
  var lastBeat = 0;

  // Looked up each time: a fragment swapped in "outerHTML" (an alert's panel) is a new element.
  function followers() { return Array.prototype.slice.call(document.querySelectorAll(FOLLOWS)); }
  function topicsOf(el) { return (el.getAttribute("data-push-topic") || "").split(/\s+/).filter(Boolean); }
  function covered(el) {
    var topics = topicsOf(el);
    return topics.length > 0 && topics.every(function (t) { return subscribed.indexOf(t) >= 0; });
  }
  function fresh() { return live && Date.now() - lastBeat < FRESH_MS; }
  function beat() { lastBeat = Date.now(); }
  function pollerOf(el) { return el.hasAttribute("hx-get") ? el : el.parentElement && el.parentElement.closest("[hx-get]"); }
  function followerOf(poller) {
    if (poller.matches(FOLLOWS)) return poller;
    return poller.querySelector(":scope > " + FOLLOWS);
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var poller = event.detail && event.detail.elt;
    if (!poller || !poller.matches) return;
    var el = followerOf(poller);
    if (!el) return;
    var now = Date.now();
    var safety = 1000 * parseInt(el.getAttribute("data-push-safety") || "60", 10);
    if (poller.pushAllow || !fresh() || !covered(el) || now - (poller.pushLast || 0) >= safety) {
      poller.pushAllow = false;
      poller.pushLast = now;
      return;
    }
    event.preventDefault();
  });

  function refetch(el) {
    var poller = pollerOf(el);
    if (!poller || poller.pushTimer) return; // one request is already on its way
    var jitter = parseInt(el.getAttribute("data-push-jitter") || "0", 10);
    poller.pushTimer = setTimeout(function () {
      poller.pushTimer = null;
      poller.pushAllow = true;
      htmx.trigger(poller, "push-nudge");
    }, Math.random() * jitter);
  }

  function count(el, topic) {
    // The group's own chat page marks what it shows as read: no "+1" for it.
    if (document.querySelector('[data-live-topic="group:' + topic.split(":")[1] + '"]')) return;
    var shown = el.querySelector("[data-push-total]");
    if (!shown) { refetch(el); return; }
    var total = parseInt(shown.getAttribute("data-push-total"), 10) + 1;
    shown.setAttribute("data-push-total", String(total));
    shown.textContent = String(total);
    shown.setAttribute("aria-label", (shown.getAttribute("aria-label") || "").replace(/\d+/, String(total)));
    shown.hidden = false;
  }

  function onEvent(event) {
    beat();
    var topic;
    try { topic = JSON.parse(event.data).topic; } catch (e) { return; }
    followers().forEach(function (el) {
      if (topicsOf(el).indexOf(topic) < 0) return;
      if (el.hasAttribute("data-push-count")) count(el, topic); else refetch(el);
    });
  }

  function all() { followers().forEach(refetch); }
  function mark(state) { followers().forEach(function (el) { el.setAttribute("data-push-state", state); }); }

  function wanted() {
    var topics = subscribed.slice();
    followers().forEach(function (el) {
      var more = topicsOf(el).filter(function (t) { return topics.indexOf(t) < 0; });
      if (more.length && topics.length + more.length <= MAX_TOPICS) topics = topics.concat(more);
    });
    return topics;
  }

  function open() {
    var topics = wanted();
    if (topics.length === subscribed.length) return; // nothing new to follow
    var stream = followers()[0].getAttribute("data-push-stream");
    if (source) source.close();
    live = false;
    subscribed = topics;
    source = new EventSource(stream + "?" + topics.map(function (t) {
      return "topic=" + encodeURIComponent(t);
    }).join("&"));
    source.addEventListener("ready", function () { live = true; beat(); mark("open"); all(); });
    source.addEventListener("ping", beat);
    source.addEventListener("changed", onEvent);
    source.addEventListener("message", onEvent);
    source.addEventListener("resync", function () { beat(); all(); });
    source.addEventListener("denied", function () { live = false; source.close(); mark("closed"); });
    source.addEventListener("error", function () {
      live = false; // reconnecting (or refused for good): the polls run meanwhile
      mark(source.readyState === EventSource.CLOSED ? "closed" : "connecting");
    });
  }

  // A hidden tab gives its stream back (six HTTP/1.1 connections per host, many tabs open):
  // its polls run meanwhile, and showing it again reopens the stream and catches up.
  function hidden() { return document.visibilityState === "hidden"; }
  document.addEventListener("visibilitychange", function () {
    if (hidden() && source) {
      source.close();
      source = null;
      live = false;
      subscribed = [];
      mark("paused");
    } else if (!hidden() && !source && followers().length) {
      open();
    }
  });

  if (followers().length && !hidden()) open();
  document.body.addEventListener("htmx:afterSettle", function () {
    if (followers().length && !hidden()) open();
    if (live) followers().forEach(function (el) {
      if (covered(el)) el.setAttribute("data-push-state", "open");
    });
  });
})();
