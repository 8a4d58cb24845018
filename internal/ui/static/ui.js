// orderhub counter screen: theme, live updates (Server-Sent Events, with
// reconnection), the new-order alert (sound and title badge, mutable),
// ticking ages. Hand-written, no framework; every page works without it.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  // Theme: the system's, or the one picked here (kept in localStorage).
  function store(key, value) {
    try {
      if (value === undefined) { return window.localStorage.getItem(key); }
      window.localStorage.setItem(key, value);
    } catch (e) { return null; }
    return value;
  }
  var theme = store("orderhub-theme");
  if (theme === "light" || theme === "dark") { root.setAttribute("data-theme", theme); }
  var themeButton = document.getElementById("theme-toggle");
  function dark() {
    var t = root.getAttribute("data-theme");
    return t ? t === "dark" : window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }
  function showTheme() { if (themeButton) { themeButton.textContent = dark() ? "Light theme" : "Dark theme"; } }
  if (themeButton) {
    showTheme();
    themeButton.addEventListener("click", function () {
      var next = dark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      store("orderhub-theme", next);
      showTheme();
    });
  }

  // Pickers submit themselves; forms with data-confirm ask first.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (!el.hasAttribute || !el.hasAttribute("data-autosubmit") || !el.form) { return; }
    // Another brand: its own locations, not this one's.
    if (el.name === "brand" && el.form.elements.location) { el.form.elements.location.value = ""; }
    el.form.submit();
  });
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });

  // Ages tick and cards turn amber and red against their deadline
  // (the server's rule, format.go urgency: half the time gone, then 80 %).
  function ago(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), s;
    if (m < 1) { return "just now"; }
    if (m < 60) { s = m + " min"; } else if (m < 1440) { s = Math.floor(m / 60) + " h" + (m % 60 ? " " + (m % 60) + " min" : ""); } else { s = Math.floor(m / 1440) + " d"; }
    return ms < 0 ? "in " + s : s + " ago";
  }
  function tick() {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll(".card[data-since]"), function (card) {
      var since = Date.parse(card.getAttribute("data-since"));
      var age = card.querySelector(".age");
      if (age && !isNaN(since)) { age.textContent = ago(now - since); }
      var dl = Date.parse(card.getAttribute("data-deadline") || "");
      if (isNaN(dl) || dl <= since) { return; }
      var gone = (now - since) / (dl - since);
      card.classList.toggle("late", gone >= 0.8);
      card.classList.toggle("warn", gone >= 0.5 && gone < 0.8);
    });
  }
  setInterval(tick, 15000);

  var live = document.getElementById("live");
  if (!live || !window.EventSource || !window.fetch) { return; }
  var board = live.hasAttribute("data-board");
  var status = document.getElementById("live-status");
  var orderID = live.getAttribute("data-order-id");
  var baseTitle = document.title;
  var timer = null, alertPending = false;
  function say(text) { if (status) { status.textContent = text; } }

  // The alert: a short two-tone beep made with Web Audio (no sound file),
  // unless muted. window.orderhubAlerts counts the beeps attempted (the
  // browser tests read it; a browser may block audio until a touch).
  var muteButton = document.getElementById("mute");
  var muted = store("orderhub-muted") === "1";
  var audio = null;
  window.orderhubAlerts = 0;
  function showMute() {
    if (!muteButton) { return; }
    muteButton.setAttribute("aria-pressed", muted ? "true" : "false");
    muteButton.textContent = muted ? "Sound off" : "Sound on";
  }
  showMute();
  if (muteButton) {
    muteButton.addEventListener("click", function () {
      muted = !muted;
      store("orderhub-muted", muted ? "1" : "0");
      showMute();
      unlock();
    });
  }
  function unlock() {
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
    }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }
  document.addEventListener("pointerdown", unlock, { once: true });
  document.addEventListener("keydown", unlock, { once: true });
  function beep() {
    if (muted) { return; }
    window.orderhubAlerts++;
    document.body.setAttribute("data-alerts", String(window.orderhubAlerts));
    unlock();
    if (!audio) { return; }
    [0, 0.22].forEach(function (at, i) {
      var o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = i ? 1175 : 880;
      g.gain.setValueAtTime(0.0001, audio.currentTime + at);
      g.gain.exponentialRampToValueAtTime(0.3, audio.currentTime + at + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + at + 0.18);
      o.connect(g); g.connect(audio.destination);
      o.start(audio.currentTime + at); o.stop(audio.currentTime + at + 0.2);
    });
  }
  function badge() {
    var region = document.getElementById("live-region");
    var n = region ? parseInt(region.getAttribute("data-new-count") || "0", 10) : 0;
    document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
  }
  if (board) { badge(); }

  // refresh fetches this page again and swaps its live region in, keeping
  // the keyboard focus on the same control when it is still there.
  function refresh(fresh) {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Orderhub-Live": "1" } })
      .then(function (res) {
        if (!res.ok || res.url.indexOf("/ui/login") >= 0) { window.location.reload(); return null; }
        return res.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("live-region");
        var old = document.getElementById("live-region");
        if (!next || !old) { return; }
        var focused = document.activeElement, keep = null;
        if (focused && old.contains(focused)) {
          var card = focused.closest("[id]");
          keep = card ? { id: card.id, action: focused.getAttribute("data-action") } : null;
        }
        var openMenus = Array.prototype.map.call(old.querySelectorAll("details[open]"), function (d) { var c = d.closest("[id]"); return c ? c.id : ""; });
        var region = document.importNode(next, true);
        old.replaceWith(region);
        openMenus.forEach(function (id) { var d = id && document.getElementById(id); d = d && d.querySelector("details"); if (d) { d.open = true; } });
        (fresh || []).forEach(function (id) { var c = document.getElementById("order-" + id); if (c) { c.classList.add("fresh"); } });
        if (keep) {
          var target = document.getElementById(keep.id);
          var el = target && (keep.action ? target.querySelector('[data-action="' + keep.action + '"]') : null);
          (el || target || region).focus && (el || target).focus();
        }
        if (board) { badge(); }
        tick();
        // The server's time in the board's zone, as the cards show it.
        var updated = region.getAttribute("data-updated");
        say(updated ? "Live · updated " + updated : "Live");
      })
      .catch(function () { say("Could not refresh; retrying…"); });
  }

  var source = null, backoff = 1000, created = [], wasDown = false;
  function connect() {
    source = new EventSource(live.getAttribute("data-live-src"));
    source.addEventListener("open", function () {
      say("Live");
      backoff = 1000;
      // Anything missed while the stream was down.
      if (wasDown) { wasDown = false; refresh([]); }
    });
    source.addEventListener("error", function () {
      wasDown = true;
      if (source.readyState === EventSource.CLOSED) {
        // The server refused (503 at its stream limit, a restart): try
        // again later, backing off to 30 s.
        say("Offline · reconnecting…");
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 30000);
      } else {
        say("Reconnecting…");
      }
    });
    // The session ended (logout elsewhere, a new password, the admin
    // removed): stop, and let the server send the page to the login.
    source.addEventListener("ended", function () {
      source.close();
      window.location.reload();
    });
    source.addEventListener("order", function (ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (orderID && String(data.order_id) !== orderID) { return; }
      if (board && data.type === "order.created") { created.push(data.order_id); alertPending = true; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (alertPending) { alertPending = false; beep(); }
        var fresh = created; created = [];
        refresh(fresh);
      }, 50);
    });
  }
  connect();
})();
