/* promise.js — the delivery window on a shop's own pages ("Llega entre el martes 24 y el jueves
 * 26 de noviembre"), from GET /v1/promise with a publishable key (scope "quote": it can only ask
 * for delivery windows). Usage (docs/promise.md, "On the shop's pages"):
 *
 *   <p data-rastro-promise data-destination="ES/BCN" data-carrier="seur">Envío en 24-72 h</p>
 *   <script src="https://RASTRO/static/promise.js" data-key="rk_…" data-origin="ES/MAD" defer></script>
 *
 * Each element with data-rastro-promise gets the window as its text, in the language of
 * data-lang, of the script, of the page (<html lang>) or of the browser: Spanish for "es…",
 * English otherwise. Per element or, as defaults, on the script: data-origin, data-destination,
 * data-carrier, data-service, data-origin-postcode, data-destination-postcode, data-lang.
 * While it asks, and when it cannot answer (no key, unknown region, no model yet, network), the
 * element keeps the text the shop wrote; a failure that may pass (network, 429, 5xx) is asked
 * again after 30 s, then after twice as long each time (at most 10 minutes), while the page is shown. The element gets data-rastro-state: "loading", "ok",
 * "low" (a lane with little history: a wide estimate) or "error", and data-earliest /
 * data-latest (YYYY-MM-DD) for the shop's own styling; a "low" one also gets data-rastro-note,
 * the API's note_text in the element's language ("Fecha aproximada: …"), for the shop to show
 * (e.g. [data-rastro-note]::after { content: " · " attr(data-rastro-note); }). Changing an element's data-destination
 * (or another parameter), or adding elements later, asks again. Rastro.refresh() re-asks all.
 * A window is good until the expiry the API's Cache-Control gives (a quote for "now" changes at
 * the dispatch cut-off and at midnight): a page left open asks again then, once per distinct
 * quote, and only while it is visible; a page shown again after that (a tab brought back,
 * a laptop woken) asks at once. Never more often than once a minute per quote. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src, document.baseURI).origin;
  var key = script.getAttribute("data-key") || "";
  var PARAMS = ["origin", "destination", "carrier", "service", "origin-postcode", "destination-postcode"];
  var pending = {}; // query string → {answer: Promise, expires: ms (0 = not answered yet)}
  var failures = {}; // query string → transient failures in a row (network down, 429, 5xx)
  var MIN_AGE = 60; // seconds: "no-cache" (a change within the minute) waits this long
  var RETRY_FIRST = 30, RETRY_MAX = 600; // seconds: a transient failure is asked again after these
  var timer = null;

  function attr(el, name) {
    var v = el.getAttribute("data-" + name);
    if (v === null || v === "") v = script.getAttribute("data-" + name);
    return v || "";
  }

  function lang(el) {
    var l = attr(el, "lang") || document.documentElement.lang || navigator.language || "en";
    return l.toLowerCase().indexOf("es") === 0 ? "es" : "en";
  }

  function query(el) {
    var q = new URLSearchParams();
    PARAMS.forEach(function (p) {
      var v = attr(el, p);
      if (v) q.set(p.replace("-", "_"), v);
    });
    return q.toString();
  }

  function ask(qs) {
    var e = pending[qs];
    if (e && !(e.expires && e.expires <= Date.now())) return e.answer;
    e = pending[qs] = { expires: 0 };
    e.answer = fetch(base + "/v1/promise?" + qs, {
      headers: { Authorization: "Bearer " + key },
      credentials: "omit",
    }).then(function (res) {
      if (res.status === 429 || res.status >= 500) throw transient(qs, e, "HTTP " + res.status);
      return res.json().then(function (body) {
        if (!res.ok) {
          if (pending[qs] === e) delete pending[qs]; // a later change may fix it
          var msg = body && body.error ? body.error.message : "HTTP " + res.status;
          throw new Error(msg);
        }
        delete failures[qs];
        var age = /max-age=(\d+)/.exec(res.headers.get("Cache-Control") || "");
        e.expires = Date.now() + Math.max(MIN_AGE, age ? +age[1] : 0) * 1000;
        schedule();
        return body;
      });
    }, function (err) {
      throw transient(qs, e, err && err.message ? err.message : "network error");
    });
    return e.answer;
  }

  /* A failure that may pass (no network on a train, the server busy): the shop's text stays
   * and the quote is asked again after 30 s, 1, 2, 4 … minutes (at most 10), while shown. */
  function transient(qs, e, why) {
    var n = (failures[qs] || 0) + 1;
    failures[qs] = n;
    e.expires = Date.now() + Math.min(RETRY_MAX, RETRY_FIRST * Math.pow(2, n - 1)) * 1000;
    schedule();
    return new Error(why + " (asking again in " + Math.round((e.expires - Date.now()) / 1000) + " s)");
  }

  /* One timer, at the first expiry of the answers held. */
  function schedule() {
    if (timer) clearTimeout(timer);
    timer = null;
    var first = 0;
    Object.keys(pending).forEach(function (qs) {
      var t = pending[qs].expires;
      if (t && (!first || t < first)) first = t;
    });
    if (first) timer = setTimeout(renew, Math.max(0, first - Date.now()));
  }

  /* Ask again for the expired windows shown; a hidden page waits until it is shown. */
  function renew() {
    timer = null;
    if (document.visibilityState === "hidden") return;
    var now = Date.now(), stale = {};
    Object.keys(pending).forEach(function (qs) {
      if (pending[qs].expires && pending[qs].expires <= now) stale[qs] = true;
    });
    document.querySelectorAll("[data-rastro-promise]").forEach(function (el) {
      if (el.__rastroQuery && stale[el.__rastroQuery.split("#")[0]]) fill(el, true);
    });
    Object.keys(stale).forEach(function (qs) {
      var e = pending[qs];
      if (e && e.expires && e.expires <= now) delete pending[qs]; // no element shows it any more
    });
    schedule();
  }

  /* RENEW: the element shows a window that expired; it keeps it (and its state) meanwhile. */
  function fill(el, renewing) {
    var qs = query(el), l = lang(el), asked = qs + "#" + l;
    if (el.__rastroQuery === asked && !renewing) return;
    el.__rastroQuery = asked;
    if (el.__rastroShopText === undefined) el.__rastroShopText = el.textContent;
    if (!el.hasAttribute("aria-live")) el.setAttribute("aria-live", "polite");
    if (!renewing) el.setAttribute("data-rastro-state", "loading");
    ask(qs).then(
      function (p) {
        if (el.__rastroQuery !== asked) return; // asked again meanwhile
        var text = p.text && p.text[l];
        if (!text) throw new Error("no text in the answer");
        if (el.textContent !== text) el.textContent = text; // aria-live: only news is read out
        el.setAttribute("data-earliest", p.earliest);
        el.setAttribute("data-latest", p.latest);
        el.setAttribute("data-rastro-state", p.low_confidence ? "low" : "ok");
        // a wide estimate says so, in the shopper's language, for the shop to show (CSS attr())
        var note = p.low_confidence && p.note_text && p.note_text[l];
        if (note) el.setAttribute("data-rastro-note", note);
        else el.removeAttribute("data-rastro-note");
      }
    ).catch(function (err) {
      if (el.__rastroQuery !== asked) return;
      // no window for this quote: the shop's own text, not the window of an earlier one
      if (el.textContent !== el.__rastroShopText) el.textContent = el.__rastroShopText;
      el.removeAttribute("data-earliest");
      el.removeAttribute("data-latest");
      el.removeAttribute("data-rastro-note");
      el.setAttribute("data-rastro-state", "error");
      if (window.console) console.warn("Rastro delivery window:", err.message);
    });
  }

  function scan(root) {
    if (root.matches && root.matches("[data-rastro-promise]")) fill(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-rastro-promise]").forEach(fill);
  }

  function start() {
    scan(document);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") renew();
    });
    new MutationObserver(function (changes) {
      changes.forEach(function (c) {
        if (c.type === "attributes") {
          if (c.target.hasAttribute("data-rastro-promise")) fill(c.target);
        } else {
          c.addedNodes.forEach(scan);
        }
      });
    }).observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-rastro-promise", "data-lang"].concat(PARAMS.map(function (p) {
        return "data-" + p;
      })),
    });
  }

  window.Rastro = window.Rastro || {};
  window.Rastro.refresh = function () {
    pending = {};
    failures = {};
    schedule();
    document.querySelectorAll("[data-rastro-promise]").forEach(function (el) {
      el.__rastroQuery = null;
      fill(el);
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
