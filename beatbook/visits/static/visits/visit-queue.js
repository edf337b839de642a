/* Beatbook visits: the phone side of the offline queue.
 *
 * Registers the service worker (sw.js, served from /visits/ so it controls the
 * visits pages). When a quick-log form cannot reach the server, the worker keeps
 * the request and answers 202 "queued"; it sends the kept requests when the
 * network returns (and whenever this page asks it to). Each tap stamps the
 * form with the time of the tap, so a visit sent later keeps its real time.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var status = document.getElementById("offline-status");

  function show(text) {
    if (!status || !text) { return; }
    status.textContent = text;
    status.classList.remove("d-none");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.hasAttribute && form.hasAttribute("data-visit-queue")) {
      var stamp = form.querySelector("input[name=tapped_at]");
      if (stamp) { stamp.value = new Date().toISOString(); }
    }
  }, true);

  document.body.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-visit-queue]");
    if (form) { event.detail.parameters.tapped_at = new Date().toISOString(); }
  });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // a visit kept by the service worker: say which household it was
    if (event.detail.xhr.status !== 202) { return; }
    var row = event.detail.target && event.detail.target.closest(".visit-row");
    var label = row && row.querySelector("a.fw-semibold");
    if (label) {
      var strong = document.createElement("strong");
      strong.textContent = label.textContent + " · ";
      event.detail.serverResponse = event.detail.serverResponse.replace(
        '<i class="bi bi-cloud-arrow-up"></i> ', '<i class="bi bi-cloud-arrow-up"></i> ' + strong.outerHTML);
    }
  });

  document.body.addEventListener("htmx:sendError", function (event) {
    // no worker in control yet: keep the form as it is (data kept) and say why
    show(script.dataset.queued);
  });

  if (!("serviceWorker" in navigator)) { return; }

  function flush() {
    if (navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "flush" });
    }
  }

  navigator.serviceWorker.register(script.dataset.sw, { scope: script.dataset.scope }).then(function () {
    flush();
  }).catch(function () { /* no worker: forms still work online */ });

  navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "queued") { show(script.dataset.queued); }
    if (data.type === "sent" && data.count > 0) {
      show(script.dataset.sent);
      document.body.dispatchEvent(new CustomEvent("visits:sent", { detail: data }));
    }
  });

  window.addEventListener("online", flush);
})();
