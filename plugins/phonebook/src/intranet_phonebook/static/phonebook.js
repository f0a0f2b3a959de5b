// Search as you type: the results are fetched as the person types and put in place.
// Progressive enhancement: without this script the form is a plain GET form and
// the page works the same, one search per press of the button.
(function () {
  "use strict";
  var form = document.querySelector("form[data-results]");
  var results = document.getElementById("pb-results");
  if (!form || !results || !window.fetch || !window.URLSearchParams || !window.history) {
    return;
  }
  var input = form.querySelector("input[name=q]");
  var unit = form.querySelector("select[name=unit]");
  var endpoint = form.getAttribute("data-results");
  var action = form.getAttribute("action");
  var DELAY_MS = 150;
  var timer = null;
  var controller = null;
  var shown = null;

  function params() {
    var query = new URLSearchParams();
    var text = input.value.replace(/\s+/g, " ").trim();
    if (text) {
      query.set("q", text);
    }
    if (unit && unit.value) {
      query.set("unit", unit.value);
    }
    return query.toString();
  }

  function update() {
    var key = params();
    if (key === shown) {
      return;
    }
    shown = key;
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    fetch(endpoint + (key ? "?" + key : ""), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      // Signed out meanwhile (sent to the sign-in page): load the page itself.
      if (response.redirected || !response.ok) {
        window.location.assign(action + (key ? "?" + key : ""));
        return null;
      }
      return response.text();
    }).then(function (html) {
      if (html === null || key !== shown) {
        return;
      }
      results.innerHTML = html;
      window.history.replaceState(null, "", action + (key ? "?" + key : ""));
    }).catch(function () {
      // Aborted by a newer search, or offline: the button still submits the form.
      if (key === shown) {
        shown = null;
      }
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, DELAY_MS);
  }

  shown = params();
  input.addEventListener("input", later);
  if (unit) {
    unit.addEventListener("change", update);
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    shown = null;
    update();
  });
})();
