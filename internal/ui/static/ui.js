// orderhub dashboard: the live view (Server-Sent Events) and cancel
// confirmations. No framework; the pages work without it.
(function () {
  "use strict";

  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
    }
  });

  var live = document.getElementById("live");
  if (!live || !window.EventSource || !window.fetch) {
    return;
  }
  var status = document.getElementById("live-status");
  var orderID = live.getAttribute("data-order-id");
  var timer = null;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  // refresh fetches this page again and swaps its live region in.
  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Orderhub-Live": "1" } })
      .then(function (res) {
        if (!res.ok || res.url.indexOf("/ui/login") >= 0) {
          window.location.reload();
          return null;
        }
        return res.text();
      })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live-region");
        var old = document.getElementById("live-region");
        if (fresh && old) {
          old.replaceWith(document.importNode(fresh, true));
          say("Updated " + new Date().toLocaleTimeString());
        }
      })
      .catch(function () {
        say("Could not refresh; reload the page.");
      });
  }

  var source = new EventSource(live.getAttribute("data-live-src"));
  source.addEventListener("open", function () {
    say("Live");
  });
  source.addEventListener("error", function () {
    say("Reconnecting…");
  });
  source.addEventListener("order", function (ev) {
    var data;
    try {
      data = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (orderID && String(data.order_id) !== orderID) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
