/* 枫桥 service worker, served at /sw.js by fengqiao/offline.py (docs/offline.md).
 *
 * - The shell (site.css, htmx, client-key.js, offline.js, icons, /offline/) is kept when
 *   the worker installs; other static files are kept the first time they are fetched.
 * - Pages (GET navigations): the network first; each good answer is kept, so without a
 *   signal a page opens as it was last seen, under a banner saying when that was. A page
 *   never kept opens /offline/.
 * - Never kept: anything that is not a GET (a POST goes to the network, untouched), htmx
 *   and API answers, sign-in pages, reveal and export URLs, pages marked no-store.
 * - A new version (the hash below) drops the old caches when it takes over.
 * - Background sync: asks the open pages to send their queue (offline.js does the work).
 */
"use strict";

var VERSION = "{{ version }}";
var SHELL_CACHE = "fengqiao-shell-" + VERSION;
var PAGE_CACHE = "fengqiao-pages-" + VERSION;
var OFFLINE_URL = "{{ offline_url }}";
var SHELL = {{ shell|safe }};
var NEVER_KEPT = new RegExp({{ never_kept|safe }});
var STATIC_PREFIX = {{ static_prefix|safe }};
var SAVED_HEADER = "X-Fengqiao-Saved";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then(function (cache) {
        return cache.addAll(
          SHELL.map(function (url) {
            return new Request(url, { cache: "reload", credentials: "same-origin" });
          })
        );
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("fengqiao-") === 0 && name !== SHELL_CACHE && name !== PAGE_CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function pad(n) {
  return (n < 10 ? "0" : "") + n;
}

function shown(date) {
  return (
    date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " +
    pad(date.getHours()) + ":" + pad(date.getMinutes())
  );
}

function offlinePage() {
  return caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE }).then(function (hit) {
    return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
}

/* A kept page, with the banner saying when it was kept, right at the top of <main>. */
function withBanner(kept) {
  var saved = new Date(Number(kept.headers.get(SAVED_HEADER)) || Date.now());
  return kept.text().then(function (html) {
    var english = /<html[^>]*lang="en/.test(html);
    var time = '<time datetime="' + saved.toISOString() + '">' + shown(saved) + "</time>";
    var text = english ? "Offline: showing this page as of " + time : "离线：显示的是 " + time + " 的内容";
    var banner =
      '<ul class="messages offline-banner" role="status" data-offline-banner>' +
      '<li class="message warning">' + text + "</li></ul>";
    var main = html.search(/<main[^>]*>/);
    if (main >= 0) {
      var end = html.indexOf(">", main) + 1;
      html = html.slice(0, end) + banner + html.slice(end);
    } else {
      html = html.replace(/<body[^>]*>/, function (tag) {
        return tag + banner;
      });
    }
    var headers = new Headers(kept.headers);
    headers.delete("Content-Length");
    return new Response(html, { status: 200, headers: headers });
  });
}

function keep(request, response) {
  var type = response.headers.get("Content-Type") || "";
  var control = response.headers.get("Cache-Control") || "";
  if (
    response.status !== 200 ||
    response.redirected ||
    response.type !== "basic" ||
    type.indexOf("text/html") !== 0 ||
    /no-store|private/.test(control)
  ) {
    return Promise.resolve();
  }
  return response.blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set(SAVED_HEADER, String(Date.now()));
    return caches.open(PAGE_CACHE).then(function (cache) {
      return cache.put(request.url, new Response(body, { status: 200, headers: headers }));
    });
  });
}

function page(event) {
  var request = event.request;
  return fetch(request)
    .then(function (response) {
      event.waitUntil(keep(request, response.clone()));
      return response;
    })
    .catch(function () {
      return caches.match(request.url, { cacheName: PAGE_CACHE, ignoreVary: true }).then(function (kept) {
        return kept ? withBanner(kept) : offlinePage();
      });
    });
}

function staticFile(request) {
  return caches.match(request, { ignoreVary: true }).then(function (hit) {
    return (
      hit ||
      fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") {
          var copy = response.clone();
          caches.open(SHELL_CACHE).then(function (cache) {
            cache.put(request, copy);
          });
        }
        return response;
      })
    );
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") {
    return; // POSTs and other sites: straight to the network, never kept
  }
  if (request.mode === "navigate") {
    if (NEVER_KEPT.test(url.pathname) || url.pathname === OFFLINE_URL) {
      event.respondWith(fetch(request).catch(offlinePage));
    } else {
      event.respondWith(page(event));
    }
  } else if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(staticFile(request));
  }
  // Everything else (htmx fragments, the APIs, photos): the network only.
});

/* The page asks: drop every kept page (logout, or another person signed in). */
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "forget-pages") {
    event.waitUntil(caches.delete(PAGE_CACHE));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "fengqiao-queue") {
    return;
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then(function (windows) {
      windows.forEach(function (client) {
        client.postMessage({ type: "send-queue" });
      });
    })
  );
});
