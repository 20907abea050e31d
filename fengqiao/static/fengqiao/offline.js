/* Offline first (docs/offline.md). Loaded by base.html on every page.
 *
 * - Registers the service worker (/sw.js), which keeps the pages a person opened so they
 *   open again without a signal.
 * - The queue: a <form data-offline-queue> sent without a signal is kept in this browser
 *   (IndexedDB: every field, photos as Blobs, and its client_key, so a resend never makes
 *   two) and sent when the signal returns: the `online` event, every page load, and the
 *   service worker's background sync where the browser has it. The panel at the top of
 *   the page lists what waits ("等待发送（n）") and what the server refused, with its
 *   reasons, to open the form again or delete it.
 * - A weak signal (the phone believes it is online, the request fails): an htmx form is
 *   queued when its request fails; a plain form is sent with fetch and queued when that
 *   fails or finds no answer in time, instead of the browser's error page losing it.
 * - The attribute's value, if any, names the kind of item in the panel (else the page's
 *   title). Scripts that send a form themselves call window.fengqiaoOffline.queueIfOffline.
 * - Privacy on shared phones: leaving (the logout form) drops the kept pages and this
 *   person's queue (the server's Clear-Site-Data answer does it too); when another person
 *   signs in, what the one before left is dropped the same way.
 */
(function () {
  "use strict";

  var TEXTS = {
    zh: {
      waiting: "等待发送（{n}）",
      refusedTitle: "未能提交（{n}）",
      queued: "没有信号：已保存在本机，有信号时自动发送。",
      weak: "信号不好，没有发出去：已保存在本机，有信号时自动发送。",
      sending: "正在发送…",
      sent: "已发送 {n} 条。",
      stateWaiting: "等待发送",
      stateRefused: "未能提交",
      login: "请先登录，登录后自动发送",
      server: "服务器暂时出错，稍后自动重试",
      reopen: "重新打开表单",
      remove: "删除",
      sendNow: "现在发送",
      reopened: "已把未能提交的内容填回表单，请修改后再提交。",
      leave: "还有 {n} 条没有发送，退出后将从本机删除。仍要退出吗？",
      item: "表单",
    },
    en: {
      waiting: "Waiting to send ({n})",
      refusedTitle: "Not accepted ({n})",
      queued: "No signal: saved on this phone, sent automatically when the signal returns.",
      weak: "The signal is too weak to send: saved on this phone, sent automatically when it improves.",
      sending: "Sending…",
      sent: "{n} sent.",
      stateWaiting: "Waiting",
      stateRefused: "Not accepted",
      login: "Sign in first; it is sent after you sign in",
      server: "Server error; it will be retried",
      reopen: "Open the form again",
      remove: "Delete",
      sendNow: "Send now",
      reopened: "What was not accepted is back in the form: correct it and send again.",
      leave: "{n} items were not sent and will be deleted from this phone. Sign out anyway?",
      item: "Form",
    },
  };
  var lang = (document.documentElement.lang || "").indexOf("en") === 0 ? "en" : "zh";

  function t(key, n) {
    return TEXTS[lang][key].replace("{n}", n);
  }

  var DB_NAME = "fengqiao-offline";
  var STORE = "queue";
  var OWNER_KEY = "fengqiao.owner";
  var PAGE_CACHES = "fengqiao-pages-";
  var SYNC_TAG = "fengqiao-queue";
  var note = "";
  var unsentHere = 0; // this person's items in the queue, as last shown

  // --- who is using the phone ----------------------------------------------------------

  function me() {
    var meta = document.querySelector('meta[name="fengqiao-user"]');
    return meta ? meta.content : "";
  }

  function mine(item) {
    return item.owner === me() || item.owner === "";
  }

  // --- IndexedDB -----------------------------------------------------------------------

  function open() {
    return new Promise(function (resolve, reject) {
      var request = window.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  function withStore(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          db.close();
          resolve(request ? request.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }

  function items() {
    return withStore("readonly", function (store) {
      return store.getAll();
    });
  }

  function put(item) {
    return withStore("readwrite", function (store) {
      return store.put(item);
    });
  }

  function remove(id) {
    return withStore("readwrite", function (store) {
      return store.delete(id);
    });
  }

  /* Drop the kept pages, and the queued items that `keep` does not keep. */
  function forget(keep) {
    var pages = window.caches
      ? window.caches.keys().then(function (names) {
          return Promise.all(
            names
              .filter(function (name) {
                return name.indexOf(PAGE_CACHES) === 0;
              })
              .map(function (name) {
                return window.caches.delete(name);
              })
          );
        })
      : Promise.resolve();
    var queue = items().then(function (all) {
      return Promise.all(
        all
          .filter(function (item) {
            return !keep(item);
          })
          .map(function (item) {
            return remove(item.id);
          })
      );
    });
    return Promise.all([pages, queue]);
  }

  // --- queueing --------------------------------------------------------------------------

  function targetOf(form, submitter) {
    var url =
      (submitter && submitter.getAttribute("formaction")) ||
      form.getAttribute("hx-post") ||
      form.getAttribute("action") ||
      window.location.href;
    return new URL(url, window.location.href).href;
  }

  function kindOf(form) {
    var named = form.getAttribute("data-offline-queue");
    if (named) {
      return named;
    }
    var heading = document.querySelector("main h1");
    return (heading && heading.textContent.trim()) || document.title.split(" · ")[0] || t("item");
  }

  function newKey() {
    return window.fengqiaoNewKey ? window.fengqiaoNewKey() : String(Date.now());
  }

  /* The form is ready for the next item: emptied, with a new key, its buttons idle. */
  function ready(form) {
    form.reset();
    var key = form.querySelector('[name="client_key"]');
    if (key) {
      key.value = newKey();
    }
    delete form.dataset.submitting;
    form.querySelectorAll("[aria-busy]").forEach(function (button) {
      button.removeAttribute("aria-busy");
      button.disabled = false;
      if (button.dataset.idleText) {
        button.textContent = button.dataset.idleText;
      }
    });
  }

  function enqueue(form, submitter, data, why) {
    data = data || (submitter ? new FormData(form, submitter) : new FormData(form));
    var fields = [];
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") {
        fields.push([name, value]);
      }
    });
    var item = {
      url: targetOf(form, submitter),
      page: window.location.pathname + window.location.search,
      kind: kindOf(form),
      created: Date.now(),
      owner: me(),
      key: data.get("client_key") || "",
      state: "waiting",
      reason: "",
      fields: fields,
    };
    return put(item).then(function () {
      ready(form);
      note = t(why || "queued");
      askForSync();
      return render();
    });
  }

  function askForSync() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.ready
        .then(function (registration) {
          return registration.sync && registration.sync.register(SYNC_TAG);
        })
        .catch(function () {});
    }
  }

  function offline() {
    return navigator.onLine === false;
  }

  function queueable(form) {
    return (
      form instanceof HTMLFormElement &&
      form.hasAttribute("data-offline-queue") &&
      (form.getAttribute("method") || "get").toLowerCase() === "post"
    );
  }

  // --- a plain form --------------------------------------------------------------------
  //
  // Caught after the page's own scripts (one that sends the form itself prevents the
  // default and calls queueIfOffline when it is ready). Without a signal it is queued. With
  // one it is sent here, with fetch, because a phone that believes it has a signal often has
  // too little of one: sent natively, a failed request shows the browser's error page and
  // what the person typed, photos and all, is gone. So:
  // - the request fails (a network error, or no answer in time) → queued, as if offline;
  // - the server redirects (every one of these forms does so on success) → that page opens;
  // - any other answer (the form with its errors, a 403, a 500) → the form is sent again
  //   natively and the server shows its own page, exactly as without JavaScript. A second
  //   send is safe: every form carrying data-offline-queue redirects on success and writes
  //   nothing otherwise (its service validates before it stores, in one transaction), and
  //   is idempotent on its client_key besides (docs/offline.md, the table).

  // How long to wait for an answer before the send counts as failed and is queued: 20 s,
  // and 8 s more per MB of photos (a slow but working upload is not cut off). Waiting
  // longer keeps a person standing in the rain looking at 正在发送…; cutting off too early
  // is harmless: the queue sends it again with the same client_key, which the server
  // answers with what the first send made, if it arrived after all.
  var ANSWER_WITHIN = 20000;
  var PER_MB = 8000;
  var CARRIED = "fengqiao.carried-messages";

  function plain(form, submitter) {
    var method = (submitter && submitter.getAttribute("formmethod")) || form.getAttribute("method");
    var target = (submitter && submitter.getAttribute("formtarget")) || form.getAttribute("target");
    return (
      queueable(form) &&
      (method || "get").toLowerCase() === "post" &&
      !form.hasAttribute("hx-post") &&
      (!target || target === "_self")
    );
  }

  function submitButtons(form) {
    return form.querySelectorAll('button:not([type]), button[type="submit"], input[type="submit"]');
  }

  function busy(form) {
    form.dataset.offlineSending = "1";
    submitButtons(form).forEach(function (button) {
      if (!button.dataset.idleText) {
        button.dataset.idleText = button.textContent;
      }
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      if (button.tagName === "BUTTON") {
        button.textContent = button.dataset.busyText || t("sending");
      }
    });
  }

  function idle(form) {
    delete form.dataset.offlineSending;
    delete form.dataset.submitting;
    submitButtons(form).forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      if (button.tagName === "BUTTON" && button.dataset.idleText) {
        button.textContent = button.dataset.idleText;
      }
    });
  }

  function photoBytes(data) {
    var bytes = 0;
    data.forEach(function (value) {
      if (value instanceof Blob) {
        bytes += value.size;
      }
    });
    return bytes;
  }

  /* The success page's messages (已登记…): the server put them in the page fetch followed,
   * and counts them as shown; they are carried to the same page opened for real. */
  function carryMessages(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("html") < 0) {
      return Promise.resolve();
    }
    return response.text().then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var shown = [];
      doc.querySelectorAll("main > .messages:not([data-offline-banner]) > li").forEach(function (li) {
        shown.push({ className: li.className, text: li.textContent.trim() });
      });
      if (shown.length) {
        window.sessionStorage.setItem(CARRIED, JSON.stringify({ url: response.url, messages: shown }));
      }
    });
  }

  function showCarriedMessages() {
    var carried = null;
    try {
      carried = JSON.parse(window.sessionStorage.getItem(CARRIED) || "null");
      window.sessionStorage.removeItem(CARRIED);
    } catch (error) {
      return;
    }
    var main = document.querySelector("main");
    if (!carried || carried.url !== window.location.href || !main) {
      return;
    }
    if (main.querySelector(":scope > .messages:not([data-offline-banner])")) {
      return;
    }
    var list = element("ul", "messages");
    list.setAttribute("role", "status");
    carried.messages.forEach(function (message) {
      list.appendChild(element("li", message.className || "message", message.text));
    });
    main.insertBefore(list, main.firstChild);
  }

  /* Send the form again natively: the server answers with its own page. */
  function submitNatively(form, submitter, url) {
    if (submitter && submitter.name) {
      var pressed = document.createElement("input");
      pressed.type = "hidden";
      pressed.name = submitter.name;
      pressed.value = submitter.value;
      form.appendChild(pressed);
    }
    if (submitter && submitter.hasAttribute("formaction")) {
      form.setAttribute("action", url);
    }
    if (submitter && submitter.hasAttribute("formenctype")) {
      form.setAttribute("enctype", submitter.getAttribute("formenctype"));
    }
    HTMLFormElement.prototype.submit.call(form); // no submit event: not caught again
  }

  function sendPlain(form, submitter) {
    // Read before the buttons are disabled: a disabled submitter's name is left out.
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    var url = targetOf(form, submitter);
    var token = csrfToken();
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller
      ? window.setTimeout(function () {
          controller.abort();
        }, ANSWER_WITHIN + Math.round((photoBytes(data) / 1048576) * PER_MB))
      : null;
    busy(form);

    function keep() {
      return enqueue(form, submitter, data, "weak").then(function () {
        idle(form);
        // Nothing else will send it (the phone never went offline, so no `online` event
        // comes): tried again after 2 s, 4 s, … as after any failure of the network.
        window.clearTimeout(retry);
        retry = window.setTimeout(sendQueue, retryIn);
      });
    }

    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
      signal: controller ? controller.signal : undefined,
    })
      .then(
        function (response) {
          window.clearTimeout(timer);
          if (response.redirected) {
            if (/^\/accounts\/login\//.test(new URL(response.url).pathname)) {
              // The session ended: kept, and sent once this person has signed in again.
              return keep().then(function () {
                window.location.assign(response.url);
              });
            }
            return carryMessages(response)
              .catch(function () {})
              .then(function () {
                window.location.assign(response.url);
              });
          }
          if ([502, 503, 504].indexOf(response.status) >= 0) {
            return keep(); // a gateway with no server behind it: as good as no signal
          }
          submitNatively(form, submitter, url);
        },
        function () {
          window.clearTimeout(timer);
          return keep();
        }
      )
      .catch(function () {
        idle(form);
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!queueable(form) || event.defaultPrevented) {
      return;
    }
    if (offline()) {
      event.preventDefault();
      enqueue(form, event.submitter);
      return;
    }
    if (!plain(form, event.submitter) || !window.fetch || !window.indexedDB) {
      return;
    }
    event.preventDefault();
    if (!form.dataset.offlineSending) {
      // A second tap while sending does nothing (the key would make it one anyway).
      sendPlain(form, event.submitter);
    }
  });

  // Back from the next page (bfcache): the form is ready to be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-offline-sending]").forEach(idle);
  });

  // An htmx form: its request is stopped before it starts, or kept when it fails.
  function htmxForm(event) {
    // The form's own request only: an hx-post inside a form (a suggestion box) is not it.
    var form = event.detail && event.detail.elt;
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    return queueable(form) && verb === "post" ? form : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = htmxForm(event);
    if (form && offline()) {
      event.preventDefault();
      enqueue(form, null);
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var form = htmxForm(event);
    if (form) {
      enqueue(form, null);
    }
  });

  // --- sending -------------------------------------------------------------------------

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var input = document.querySelector('[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function reasonsIn(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var seen = [];
    doc.querySelectorAll(".form-errors, .field-error, [role=alert]").forEach(function (node) {
      var text = node.textContent.replace(/\s+/g, " ").trim();
      if (text && seen.indexOf(text) < 0) {
        seen.push(text);
      }
    });
    return seen;
  }

  /* What the server said: {sent: true}, or the item's new state and reason. */
  function outcome(response) {
    var type = response.headers.get("Content-Type") || "";
    if (response.redirected) {
      if (/^\/accounts\/login\//.test(new URL(response.url).pathname)) {
        return { state: "waiting", reason: t("login") };
      }
      return { sent: true };
    }
    if (response.status >= 500) {
      return { state: "waiting", reason: t("server") };
    }
    if (response.ok && type.indexOf("json") >= 0) {
      return { sent: true };
    }
    return response.text().then(function (body) {
      var reasons = type.indexOf("html") >= 0 ? reasonsIn(body) : [];
      if (response.ok && !reasons.length) {
        return { sent: true };
      }
      if (!reasons.length) {
        reasons = [(response.status + " " + response.statusText).trim()];
      }
      return { state: "refused", reason: reasons.join(" ") };
    });
  }

  function sendOne(item) {
    var token = csrfToken();
    var body = new FormData();
    item.fields.forEach(function (pair) {
      body.append(pair[0], pair[1]);
    });
    body.append("csrfmiddlewaretoken", token);
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
    })
      .then(outcome)
      .then(function (result) {
        if (result.sent) {
          return remove(item.id).then(function () {
            return true;
          });
        }
        item.state = result.state;
        item.reason = result.reason;
        return put(item).then(function () {
          return false;
        });
      });
  }

  var sending = null;
  var retryIn = 2000; // after a failure of the network while "online": 2 s, 4 s, … 60 s
  var retry = null;

  /* Send what waits, oldest first; stop at the first failure of the network, and try
   * again a little later (a signal that has just come back is often not there yet). */
  function sendQueue() {
    if (sending || offline()) {
      return sending || Promise.resolve();
    }
    window.clearTimeout(retry);
    var sent = 0;
    sending = items()
      .then(function (all) {
        var waiting = all.filter(function (item) {
          return item.state === "waiting" && mine(item);
        });
        return waiting.reduce(function (chain, item) {
          return chain.then(function () {
            return sendOne(item).then(function (done) {
              sent += done ? 1 : 0;
            });
          });
        }, Promise.resolve());
      })
      .then(
        function () {
          retryIn = 2000;
        },
        function () {
          retry = window.setTimeout(sendQueue, retryIn);
          retryIn = Math.min(retryIn * 2, 60000);
        }
      )
      .then(function () {
        sending = null;
        if (sent) {
          note = t("sent", sent);
        }
        return render();
      });
    return sending;
  }

  // --- the panel -----------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function shown(stamp) {
    var date = new Date(stamp);
    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return (
      pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " +
      pad(date.getHours()) + ":" + pad(date.getMinutes())
    );
  }

  function row(item) {
    var li = element("li", "offline-item");
    li.dataset.offlineItem = item.id;
    li.dataset.state = item.state;
    li.appendChild(element("strong", "", item.kind));
    li.appendChild(document.createTextNode(" "));
    var time = element("time", "muted", shown(item.created));
    time.dateTime = new Date(item.created).toISOString();
    li.appendChild(time);
    li.appendChild(document.createTextNode(" "));
    var refused = item.state === "refused";
    li.appendChild(
      element("span", "badge " + (refused ? "danger" : "warn"), t(refused ? "stateRefused" : "stateWaiting"))
    );
    if (item.reason) {
      li.appendChild(element("p", refused ? "field-error" : "muted", item.reason));
    }
    if (refused) {
      var again = element("a", "button small secondary", t("reopen"));
      again.href = item.page + "#offline-" + item.id;
      li.appendChild(again);
      li.appendChild(document.createTextNode(" "));
      var drop = element("button", "button small ghost", t("remove"));
      drop.type = "button";
      drop.addEventListener("click", function () {
        remove(item.id).then(render);
      });
      li.appendChild(drop);
    }
    return li;
  }

  function render() {
    return items()
      .then(function (all) {
        var list = all.filter(mine);
        unsentHere = list.length;
        var panel = document.getElementById("offline-queue");
        if (!list.length && !note) {
          if (panel) {
            panel.remove();
          }
          return;
        }
        if (!panel) {
          panel = element("section", "card offline-queue");
          panel.id = "offline-queue";
          panel.setAttribute("aria-live", "polite");
          var main = document.querySelector("main") || document.body;
          var messages = main.querySelector(":scope > .messages:not([data-offline-banner])");
          main.insertBefore(panel, messages ? messages.nextSibling : main.firstChild);
        }
        panel.textContent = "";
        var waiting = list.filter(function (item) {
          return item.state !== "refused";
        }).length;
        var refused = list.length - waiting;
        if (note) {
          panel.appendChild(element("p", "offline-note", note));
        }
        if (waiting) {
          panel.appendChild(element("h2", "", t("waiting", waiting)));
        } else if (refused) {
          panel.appendChild(element("h2", "", t("refusedTitle", refused)));
        }
        if (list.length) {
          var ul = element("ul", "list");
          list.forEach(function (item) {
            ul.appendChild(row(item));
          });
          panel.appendChild(ul);
        }
        if (waiting && !offline()) {
          var now = element("button", "button small", t("sendNow"));
          now.type = "button";
          now.addEventListener("click", sendQueue);
          panel.appendChild(now);
        }
      })
      .catch(function () {});
  }

  // --- opening a refused item again ------------------------------------------------------

  function fill(form, fields) {
    var files = {};
    fields.forEach(function (pair) {
      var name = pair[0];
      var value = pair[1];
      if (value instanceof Blob) {
        if (value.size) {
          (files[name] = files[name] || []).push(value);
        }
        return;
      }
      form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") {
          if (field.value === value) {
            field.checked = true;
          }
        } else if (field.type !== "file") {
          field.value = value;
        }
      });
    });
    Object.keys(files).forEach(function (name) {
      var input = form.querySelector('input[type="file"][name="' + CSS.escape(name) + '"]');
      if (input && window.DataTransfer) {
        var transfer = new DataTransfer();
        files[name].forEach(function (file) {
          transfer.items.add(file);
        });
        input.files = transfer.files;
      }
    });
  }

  function reopen() {
    var match = window.location.hash.match(/^#offline-(\d+)$/);
    if (!match) {
      return Promise.resolve();
    }
    var id = Number(match[1]);
    return items().then(function (all) {
      var item = all.filter(function (each) {
        return each.id === id && mine(each);
      })[0];
      var form = item
        ? Array.prototype.filter.call(document.querySelectorAll("form[data-offline-queue]"), function (each) {
            return targetOf(each) === item.url;
          })[0]
        : null;
      if (!form) {
        return;
      }
      form.querySelectorAll('[name="client_key"]').forEach(function (key) {
        key.value = item.key || newKey();
      });
      fill(form, item.fields);
      note = t("reopened");
      history.replaceState(null, "", window.location.pathname + window.location.search);
      return remove(item.id);
    });
  }

  // --- leaving, and another person signing in ------------------------------------------

  // Leaving never waits for the browser: the server's answer (Clear-Site-Data) drops the
  // rest. Only unsent items make it ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !/\/accounts\/logout\/$/.test(form.action)) {
      return;
    }
    if (unsentHere && !window.confirm(t("leave", unsentHere))) {
      event.preventDefault();
      return;
    }
    var leaving = me();
    window.localStorage.removeItem(OWNER_KEY);
    forget(function (item) {
      return item.owner !== leaving;
    }).catch(function () {});
  });

  function checkOwner() {
    var now = me();
    var before = window.localStorage.getItem(OWNER_KEY);
    if (!now) {
      return Promise.resolve();
    }
    window.localStorage.setItem(OWNER_KEY, now);
    if (before && before !== now) {
      return forget(function (item) {
        return item.owner === now;
      });
    }
    return Promise.resolve();
  }

  // --- start -----------------------------------------------------------------------------

  window.fengqiaoOffline = {
    queueIfOffline: function (form) {
      if (!queueable(form) || !offline()) {
        return false;
      }
      enqueue(form, null);
      return true;
    },
    // For scripts that send a form themselves (patrol.js, after taking the position): sent
    // as a plain form is, so a weak signal keeps it on the phone instead of losing it. A
    // promise, settled when the page stays (the form kept on the phone); null where this
    // cannot be done, and the caller submits it natively.
    sendForm: function (form) {
      if (!plain(form, null) || !window.fetch || !window.indexedDB) {
        return null;
      }
      return form.dataset.offlineSending ? Promise.resolve() : sendPlain(form, null);
    },
    items: items,
    put: put,
    send: sendQueue,
  };

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "send-queue") {
        sendQueue();
      }
    });
  }
  window.addEventListener("online", sendQueue);
  // "Open the form again" on the form's own page changes only the #fragment.
  window.addEventListener("hashchange", function () {
    reopen().then(render).catch(function () {});
  });
  window.addEventListener("offline", render);

  // Settled once the page's start is done: what another person left dropped, a refused
  // item put back in its form, the panel drawn, the queue sent.
  showCarriedMessages();
  window.fengqiaoOffline.ready = window.indexedDB
    ? checkOwner()
        .then(reopen)
        .then(render)
        .then(sendQueue)
        .catch(function () {})
    : Promise.resolve();
})();
