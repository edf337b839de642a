/* Web Push: register the service worker, subscribe with the server's VAPID
   key and hand the subscription to Beatbook. Best effort: many Android
   phones in China cannot reach their push service; the in-app feed works. */
(function () {
  "use strict";
  function b64ToBytes(s) {
    const pad = "=".repeat((4 - (s.length % 4)) % 4);
    const raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function setup(box) {
    const button = box.querySelector("[data-push-enable]");
    const status = box.querySelector("[data-push-status]");
    function say(key) { status.textContent = status.dataset[key] || ""; }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.isSecureContext) {
      button.disabled = true; say("unsupported"); return;
    }
    if (window.Notification && Notification.permission === "denied") { say("denied"); }
    navigator.serviceWorker.register(box.dataset.sw, { scope: "/" }).then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (sub) { if (sub) { say("on"); button.classList.add("d-none"); } })
      .catch(function () {});
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { say("denied"); throw new Error("denied"); }
        return navigator.serviceWorker.register(box.dataset.sw, { scope: "/" });
      }).then(function () { return navigator.serviceWorker.ready; })
        .then(function (reg) {
          return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(box.dataset.key) });
        }).then(function (sub) {
          return fetch(box.dataset.subscribe, {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
            body: JSON.stringify(sub.toJSON()),
          });
        }).then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          say("on"); button.classList.add("d-none");
        }).catch(function (e) { if (String(e.message) !== "denied") { say("failed"); } });
    });
  }
  document.querySelectorAll(".notify-push").forEach(setup);
})();
