// Live updates of the feed: a new post appears at the top without reloading.
// Progressive enhancement: without this script the feed works as before.
//
// The stream (Server-Sent Events at the feed's data-live address) says only
// which post was published; the card is then fetched from /feed/card/<id>,
// which answers only if this reader may see the post.
(function () {
  "use strict";
  var feed = document.getElementById("feed");
  if (!feed || !feed.getAttribute("data-live") || !window.EventSource || !window.fetch) {
    return;
  }
  // Only the newest, unfiltered page grows at the top.
  var query = new URLSearchParams(window.location.search);
  if (query.has("before") || query.has("unit")) {
    return;
  }
  var streamUrl = feed.getAttribute("data-live");
  var HIDDEN_GRACE_MS = 60000;
  var source = null;
  var hiddenTimer = null;
  var queue = Promise.resolve();

  function postId(article) {
    var own = article.getAttribute("data-post-id");
    if (own) {
      return parseInt(own, 10);
    }
    var match = /^post-(\d+)$/.exec(article.id || "") ||
      /^post-(\d+)-title$/.exec(article.getAttribute("aria-labelledby") || "");
    return match ? parseInt(match[1], 10) : 0;
  }

  function shownIds() {
    var ids = {};
    feed.querySelectorAll("article.post").forEach(function (article) {
      ids[postId(article)] = true;
    });
    return ids;
  }

  var newest = 0;
  Object.keys(shownIds()).forEach(function (id) {
    newest = Math.max(newest, parseInt(id, 10) || 0);
  });

  // A polite live region, present before anything is said in it, so that
  // screen readers announce each new post's title.
  var announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("role", "status");
  feed.parentNode.insertBefore(announcer, feed);

  function announce(text) {
    if (text) {
      announcer.textContent = text;
    }
  }

  function insertCard(id, html) {
    if (shownIds()[id]) {
      return;
    }
    var template = document.createElement("template");
    template.innerHTML = html;
    var wrapper = template.content.querySelector(".live-card");
    var article = wrapper && wrapper.querySelector("article.post");
    if (!article) {
      return;
    }
    article.setAttribute("data-post-id", String(id));
    var empty = feed.querySelector(":scope > p.muted");
    if (empty) {
      empty.remove();
    }
    feed.insertBefore(article, feed.firstChild);
    newest = Math.max(newest, id);
    announce(wrapper.getAttribute("data-announce"));
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (!still && article.animate) {
      article.animate([{ opacity: 0 }, { opacity: 1 }], { duration: 400, easing: "ease-out" });
    }
  }

  function fetchCard(id) {
    // One at a time, in the order announced, so the newest ends up on top.
    queue = queue.then(function () {
      if (shownIds()[id]) {
        return null;
      }
      return fetch("/feed/card/" + id, { credentials: "same-origin", redirect: "error" })
        .then(function (response) {
          var type = response.headers.get("content-type") || "";
          if (!response.ok || type.indexOf("text/html") !== 0) {
            return null; // not (or no longer) visible to this reader
          }
          return response.text().then(function (html) {
            insertCard(id, html);
          });
        })
        .catch(function () {
          return null;
        });
    });
  }

  function connect() {
    if (source) {
      return;
    }
    source = new EventSource(streamUrl + "?after=" + newest);
    source.addEventListener("post", function (event) {
      var id = parseInt(event.data, 10);
      if (id > 0) {
        fetchCard(id);
      }
    });
    source.addEventListener("error", function () {
      // The browser reconnects by itself unless the server said no (signed out).
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
      }
    });
  }

  function disconnect() {
    if (source) {
      source.close();
      source = null;
    }
  }

  // A page left in the background for a while lets go of its connection,
  // and catches up when it is looked at again.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      hiddenTimer = window.setTimeout(disconnect, HIDDEN_GRACE_MS);
    } else {
      window.clearTimeout(hiddenTimer);
      connect();
    }
  });
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", function () {
    if (!document.hidden) {
      connect();
    }
  });

  connect();
})();
