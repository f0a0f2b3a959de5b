/* @mentions: suggestions while writing a post or comment.
 *
 * Progressive enhancement for <textarea data-mentions="/people/autocomplete">:
 * typing "@" and the start of a name or e-mail shows up to ten colleagues;
 * choosing one writes "@" and their e-mail name (e.g. "@anna.jensen"), which
 * the server turns into a mention when the text is saved. Without this file
 * the same text, typed by hand, works just as well.
 */
(function () {
  "use strict";

  var TOKEN = /(?:^|[^\p{L}\p{N}_@\\[\/.`-])@([\p{L}\p{N}_.+-]{1,100})$/u;
  var counter = 0;

  function setUp(area) {
    var url = area.getAttribute("data-mentions");
    if (!url || area.hasAttribute("data-mentions-ready")) {
      return;
    }
    area.setAttribute("data-mentions-ready", "");
    counter += 1;
    var list = document.createElement("ul");
    list.id = "mention-list-" + counter;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    area.insertAdjacentElement("afterend", list);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);

    var people = [];
    var active = -1;
    var query = null;
    var sequence = 0;
    var timer = null;

    function close() {
      list.hidden = true;
      list.textContent = "";
      people = [];
      active = -1;
      area.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      active = index;
      for (var i = 0; i < items.length; i += 1) {
        items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      if (index >= 0 && items[index]) {
        area.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({block: "nearest"});
      } else {
        area.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var person = people[index];
      if (!person || query === null) {
        return;
      }
      var caret = area.selectionStart;
      var start = caret - query.length - 1;
      var insert = "@" + person.handle + " ";
      area.value = area.value.slice(0, start) + insert + area.value.slice(caret);
      var position = start + insert.length;
      area.setSelectionRange(position, position);
      close();
      area.focus();
    }

    function show(found) {
      list.textContent = "";
      people = found;
      if (!found.length) {
        close();
        return;
      }
      found.forEach(function (person, index) {
        var item = document.createElement("li");
        item.id = list.id + "-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "mention-name";
        name.textContent = person.name;
        item.appendChild(name);
        if (person.title) {
          var title = document.createElement("span");
          title.className = "mention-title";
          title.textContent = person.title;
          item.appendChild(title);
        }
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(item);
      });
      list.hidden = false;
      highlight(0);
    }

    function lookUp() {
      var before = area.value.slice(0, area.selectionStart);
      var match = TOKEN.exec(before);
      if (!match || area.selectionStart !== area.selectionEnd) {
        query = null;
        close();
        return;
      }
      query = match[1];
      sequence += 1;
      var mine = sequence;
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: {"Accept": "application/json"}
      }).then(function (response) {
        return response.ok ? response.json() : {people: []};
      }).then(function (data) {
        if (mine === sequence) {
          show(data.people || []);
        }
      }).catch(close);
    }

    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, 150);
    });
    area.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % people.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + people.length) % people.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    area.addEventListener("blur", function () {
      window.setTimeout(close, 100);
    });
  }

  function start() {
    document.querySelectorAll("textarea[data-mentions]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
