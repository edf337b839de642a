/* Beatbook visits service worker: a small queue for visits logged without network.
 *
 * A POST to /visits/households/<id>/visit/ that fails for lack of network is
 * kept in IndexedDB and answered "202 queued" with a row the page shows; kept
 * requests are sent again, oldest first, when the network returns (Background
 * Sync where the browser has it, else when a page asks: on load, on "online").
 * Everything else goes to the network untouched. Full offline mode comes later.
 */
"use strict";

var DB_NAME = "beatbook-visits";
var STORE = "queue";
var QUEUED_PATH = /\/visits\/households\/\d+\/visit\/$/;

function openDb() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function withStore(mode, work) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(STORE, mode);
      var result = work(tx.objectStore(STORE));
      tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
      tx.onerror = function () { reject(tx.error); };
    });
  });
}

function keep(entry) { return withStore("readwrite", function (store) { return store.add(entry); }); }
function all() { return withStore("readonly", function (store) { return store.getAll(); }); }
function drop(id) { return withStore("readwrite", function (store) { return store.delete(id); }); }

function tell(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

var flushing = null;

function flush() {
  if (flushing) { return flushing; }
  flushing = all().then(function (entries) {
    var sent = 0;
    return entries.reduce(function (chain, entry) {
      return chain.then(function () {
        return fetch(entry.url, {
          method: "POST",
          body: entry.body,
          headers: entry.headers,
          credentials: "same-origin",
        }).then(function (response) {
          // a 4xx answer will not get better by sending again: drop it too
          if (response.status < 500) { sent += 1; return drop(entry.id); }
        });
      });
    }, Promise.resolve()).then(function () { return sent; }, function () { return sent; });
  }).then(function (sent) {
    flushing = null;
    return tell({ type: "sent", count: sent });
  }, function () { flushing = null; });
  return flushing;
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "flush") { event.waitUntil(flush()); }
});
self.addEventListener("sync", function (event) {
  if (event.tag === "visit-queue") { event.waitUntil(flush()); }
});

function queuedRow(lang) {
  var zh = (lang || "").indexOf("zh") === 0;
  var text = zh ? "无网络：走访记录已保存在本机，联网后自动提交。" :
    "No network: the visit is kept on this phone and sent when the network returns.";
  return '<div class="visit-row card mb-2 queued" data-queued="1"><div class="card-body p-2 small">' +
    '<i class="bi bi-cloud-arrow-up"></i> ' + text + "</div></div>";
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "POST" || !QUEUED_PATH.test(new URL(request.url).pathname)) { return; }
  var copy = request.clone();
  event.respondWith(
    fetch(request).catch(function () {
      return copy.text().then(function (body) {
        var headers = {};
        copy.headers.forEach(function (value, name) { headers[name] = value; });
        return keep({ url: copy.url, body: body, headers: headers, at: Date.now() });
      }).then(function () {
        if (self.registration.sync) {
          self.registration.sync.register("visit-queue").catch(function () {});
        }
        tell({ type: "queued" });
        return new Response(queuedRow(copy.headers.get("accept-language")), {
          status: 202,
          headers: { "Content-Type": "text/html; charset=utf-8" },
        });
      });
    })
  );
});
