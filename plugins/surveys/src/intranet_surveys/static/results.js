// Results that follow the answers as they arrive.
// Progressive enhancement: without this script the page shows the figures as
// they were when it was opened. The stream (Server-Sent Events) says only
// which round changed; the figures are then fetched with the page's own
// permission check and swapped in.
(function () {
  "use strict";
  var results = document.getElementById("results");
  if (!results || !window.EventSource || !window.fetch) {
    return;
  }
  var round = results.getAttribute("data-round");
  var status = document.getElementById("results-status");
  var busy = false;
  var again = false;

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(results.getAttribute("data-fragment"), { credentials: "same-origin", redirect: "error" })
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (!response.ok || type.indexOf("text/html") !== 0) {
          return null;
        }
        return response.text().then(function (html) {
          results.innerHTML = html;
          if (status) {
            status.textContent = results.getAttribute("data-updated") || "";
          }
        });
      })
      .catch(function () { return null; })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  var source = new EventSource(results.getAttribute("data-live"));
  source.addEventListener("change", function (event) {
    if (!round || event.data === round) {
      refresh();
    }
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
