/*! influscope-track.js: first-party click-id keeper and lead/sale reporter for influscope.
 *
 * <script src="https://YOUR-INFLUSCOPE/t/influscope-track.js" data-source="my-site" async></script>
 *
 * - On every page: if the URL has ?isc=<click id> (added by influscope's tracking links), the id is
 *   kept in a first-party cookie "isc" (30 days; data-days to change, data-domain to share it with
 *   subdomains), together with the landing URL (cookie "isc_landing", UTMs included).
 * - Hidden form fields named "isc" are filled with the click id (so forms and carts carry it).
 * - influscope.clickId()                    -> the kept click id, or null
 * - influscope.lead(type, {lead_id, ...})  -> reports a lead (signup, newsletter, download, webinar, demo, trial, other)
 * - influscope.sale({invoice_id, amount, currency, ...}) -> reports a sale (amount in minor units)
 * - influscope.shopifyCart()               -> writes the click id into the Shopify cart attributes,
 *                                             so that it arrives with the order webhook (note_attributes)
 * Reports go to POST <influscope>/t/<data-source>/lead|sale as a beacon; no cookie of influscope's
 * own domain is used or set.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var attr = function (name, fallback) { var v = script.getAttribute(name); return v === null || v === "" ? fallback : v; };
  var endpoint = attr("data-endpoint", new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var source = attr("data-source", "");
  var days = parseInt(attr("data-days", "30"), 10) || 30;
  var domain = attr("data-domain", "");
  var NAME = "isc";
  var LANDING = "isc_landing";
  var ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) {
        try { return decodeURIComponent(parts[i].slice(eq + 1)); } catch (e) { return null; }
      }
    }
    return null;
  }

  function writeCookie(name, value) {
    var c = name + "=" + encodeURIComponent(value) + "; Max-Age=" + days * 86400 + "; Path=/; SameSite=Lax";
    if (domain) { c += "; Domain=" + domain; }
    if (location.protocol === "https:") { c += "; Secure"; }
    document.cookie = c;
  }

  var params = new URLSearchParams(location.search);
  var fromUrl = params.get(NAME);
  if (fromUrl && ID_RE.test(fromUrl)) {
    writeCookie(NAME, fromUrl);
    writeCookie(LANDING, (location.pathname + location.search).slice(0, 1500));
  }

  function clickId() {
    var v = readCookie(NAME);
    return v && ID_RE.test(v) ? v : null;
  }

  function landingUrl() { return readCookie(LANDING); }

  function fillForms() {
    var id = clickId();
    if (!id) { return; }
    var inputs = document.querySelectorAll('input[name="isc"]');
    for (var i = 0; i < inputs.length; i++) { if (!inputs[i].value) { inputs[i].value = id; } }
  }

  function randomId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }

  function send(kind, data) {
    if (!source) { throw new Error("influscope: the script tag needs data-source"); }
    var body = {};
    for (var k in data) { if (Object.prototype.hasOwnProperty.call(data, k)) { body[k] = data[k]; } }
    if (!body.click_id && clickId()) { body.click_id = clickId(); }
    if (!body.landing_url && landingUrl()) { body.landing_url = landingUrl(); }
    var url = endpoint + "/t/" + encodeURIComponent(source) + "/" + kind;
    var text = JSON.stringify(body);
    // text/plain keeps it a "simple" cross-origin request: no preflight, no credentials.
    if (navigator.sendBeacon && navigator.sendBeacon(url, new Blob([text], { type: "text/plain" }))) {
      return Promise.resolve(true);
    }
    return fetch(url, { method: "POST", body: text, keepalive: true, credentials: "omit",
                        headers: { "Content-Type": "text/plain" } }).then(function (r) { return r.ok; });
  }

  window.influscope = {
    clickId: clickId,
    landingUrl: landingUrl,
    lead: function (type, data) {
      data = data || {};
      data.type = type || "other";
      if (!data.lead_id) { data.lead_id = randomId(); }
      return send("lead", data);
    },
    sale: function (data) {
      if (!data || !data.invoice_id || data.amount === undefined || !data.currency) {
        throw new Error("influscope.sale needs invoice_id, amount (minor units) and currency");
      }
      return send("sale", data);
    },
    shopifyCart: function () {
      var id = clickId();
      if (!id) { return Promise.resolve(false); }
      return fetch("/cart/update.js", { method: "POST", credentials: "same-origin",
                                        headers: { "Content-Type": "application/json" },
                                        body: JSON.stringify({ attributes: { isc: id } }) })
        .then(function (r) { return r.ok; });
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fillForms);
  } else {
    fillForms();
  }
})();
