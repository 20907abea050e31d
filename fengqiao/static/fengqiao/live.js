/* Server push for a chat page (docs/live.md).
 *
 * The chat list declares its topic (data-live-topic="group:12") and the stream's address
 * (data-live-stream, only when the server has one: under `fengqiao demo` it has not, and the
 * page just polls). While the stream is open and fresh, the htmx poller (data-live-fallback)
 * is held back; pushed messages are inserted in id order, deduplicated, their forms given this
 * page's CSRF token, and the poller's "after" moved on. When the stream opens (or reopens after
 * a gap, or the server says "resync"/"refetch"), one catch-up poll fetches what it missed.
 * Read marks: one debounced POST "read up to N" while the page is visible.
 */
(function () {
  "use strict";
  var list = document.querySelector("[data-live-topic][data-live-stream]");
  if (!list || !window.EventSource || !window.htmx) return;

  var FRESH_MS = 50000; // the server pings every 20 s
  var READ_EVERY_MS = 10000;
  var url = list.getAttribute("data-live-stream") + "?topic=" +
    encodeURIComponent(list.getAttribute("data-live-topic"));
  var readUrl = list.getAttribute("data-live-read");
  var live = false;
  var lastBeat = 0;
  var allowOnce = false;
  var readUpTo = 0;
  var readSentUpTo = 0;
  var readTimer = null;
  var lastReadSent = 0;

  function poller() { return list.querySelector("[data-live-fallback]"); }
  function fresh() { return live && Date.now() - lastBeat < FRESH_MS; }
  function beat() { lastBeat = Date.now(); }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-live-fallback")) return;
    if (allowOnce) { allowOnce = false; return; }
    if (fresh()) event.preventDefault();
  });

  function catchUp() {
    allowOnce = true;
    htmx.trigger(document.body, "community-posted");
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function giveToken(node) {
    var token = csrfToken();
    node.querySelectorAll("form[method=post]").forEach(function (form) {
      if (form.querySelector("input[name=csrfmiddlewaretoken]")) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrfmiddlewaretoken";
      input.value = token;
      form.insertBefore(input, form.firstChild);
    });
  }

  function afterId() {
    var p = poller();
    var match = p && /[?&]after=(\d+)/.exec(p.getAttribute("hx-get") || "");
    return match ? parseInt(match[1], 10) : 0;
  }

  function advance(id) {
    var p = poller();
    if (!p || id <= afterId()) return;
    var fresh = p.cloneNode(false);
    fresh.setAttribute("hx-get", p.getAttribute("hx-get").replace(/([?&]after=)\d+/, "$1" + id));
    p.replaceWith(fresh);
    htmx.process(fresh);
  }

  function place(node, id) {
    var articles = list.querySelectorAll("article[data-message-id]");
    for (var i = 0; i < articles.length; i++) {
      if (parseInt(articles[i].getAttribute("data-message-id"), 10) > id) {
        list.insertBefore(node, articles[i]);
        return;
      }
    }
    var p = poller();
    if (p) list.insertBefore(node, p); else list.appendChild(node);
  }

  function show(data, replace) {
    if (!data || !data.html) return;
    var template = document.createElement("template");
    template.innerHTML = data.html.trim();
    var node = template.content.firstElementChild;
    if (!node) return;
    giveToken(node);
    var existing = document.getElementById("m" + data.id);
    if (existing) {
      if (!replace) return; // already here (a poll brought it first)
      existing.replaceWith(node);
    } else {
      if (replace) return; // not on this page
      place(node, data.id);
      var empty = list.querySelector(".chat-empty");
      if (empty) empty.remove();
      advance(data.id);
      markRead(data.id);
    }
    htmx.process(node);
  }

  // A poll that raced a push may bring a message that is already here: keep the first.
  document.body.addEventListener("htmx:afterSettle", function () {
    var seen = {};
    list.querySelectorAll("article[data-message-id]").forEach(function (article) {
      if (seen[article.id]) article.remove(); else seen[article.id] = true;
    });
  });

  function sendRead() {
    readTimer = null;
    if (!readUrl || readUpTo <= readSentUpTo) return;
    if (document.visibilityState !== "visible") return;
    readSentUpTo = readUpTo;
    lastReadSent = Date.now();
    var body = new FormData();
    body.append("up_to", String(readUpTo));
    fetch(readUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).catch(function () { readSentUpTo = 0; });
  }

  function markRead(id) {
    if (!readUrl) return;
    readUpTo = Math.max(readUpTo, id);
    if (readTimer) return;
    var wait = Math.max(0, READ_EVERY_MS - (Date.now() - lastReadSent));
    readTimer = setTimeout(sendRead, wait);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !readTimer) markRead(readUpTo);
  });

  function payload(event) {
    beat();
    try { return JSON.parse(event.data).data; } catch (e) { return null; }
  }

  // A hidden tab gives its stream back: browsers allow six HTTP/1.1 connections per host,
  // and officers keep many tabs open. It polls meanwhile and catches up when shown again.
  var source = null;
  var denied = false;
  function connect() {
    source = new EventSource(url);
    source.addEventListener("ready", function () {
      live = true;
      beat();
      list.setAttribute("data-live-state", "open");
      catchUp(); // whatever came between the page's render (or the gap) and now
    });
    source.addEventListener("ping", beat);
    source.addEventListener("message", function (event) { show(payload(event), false); });
    source.addEventListener("changed", function (event) { show(payload(event), true); });
    source.addEventListener("refetch", function (event) { payload(event); catchUp(); });
    source.addEventListener("resync", function (event) { payload(event); catchUp(); });
    source.addEventListener("denied", function () {
      live = false;
      denied = true;
      source.close();
      list.setAttribute("data-live-state", "closed");
    });
    source.addEventListener("error", function () {
      // Reconnecting (or refused for good): poll meanwhile; "ready" catches up.
      live = false;
      list.setAttribute("data-live-state", source.readyState === EventSource.CLOSED ? "closed" : "connecting");
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && source) {
      source.close();
      source = null;
      live = false;
      list.setAttribute("data-live-state", "paused");
    } else if (document.visibilityState === "visible" && !source && !denied) {
      connect();
    }
  });
  if (document.visibilityState !== "hidden") connect();
  else list.setAttribute("data-live-state", "paused");
})();
