// Typeahead for the header search box: an ARIA 1.2 combobox with a listbox popup.
// Suggestions come from /search/suggest as JSON; every text goes into the page as text, never as markup.
(function () {
  "use strict";
  var input = document.getElementById("site-q");
  var list = document.getElementById("site-q-list");
  var status = document.getElementById("site-q-status");
  if (!input || !list || !window.fetch) { return; }
  var endpoint = input.getAttribute("data-suggest");
  var items = [];
  var active = -1;
  var timer = null;
  var pending = null;
  var lastQuery = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function announce(n) {
    var text = n === 0 ? input.getAttribute("data-none")
      : (n === 1 ? input.getAttribute("data-one") : input.getAttribute("data-many").replace("{n}", String(n)));
    status.textContent = text;
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function go(index) {
    var s = items[index];
    if (s && typeof s.href === "string" && s.href.charAt(0) === "/" && s.href.charAt(1) !== "/") {
      window.location.assign(s.href);
    }
  }

  function render(data) {
    items = (data && data.suggestions) || [];
    list.textContent = "";
    items.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "site-q-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var name = document.createElement("span");
      name.className = "s-label";
      name.textContent = s.label + (s.acronym && s.acronym !== s.label ? " (" + s.acronym + ")" : "");
      li.appendChild(name);
      if (s.other) {
        var other = document.createElement("span");
        other.className = "s-other";
        other.textContent = s.other;
        li.appendChild(other);
      }
      var kind = document.createElement("span");
      kind.className = "s-kind";
      kind.textContent = s.kind;
      li.appendChild(kind);
      // mousedown, not click: the input's blur would close the list before a click lands
      li.addEventListener("mousedown", function (event) { event.preventDefault(); go(i); });
      list.appendChild(li);
    });
    if (items.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
    active = -1;
    announce(items.length);
  }

  function lookup() {
    var q = input.value.trim();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (!q || q.length > 200) { items = []; list.textContent = ""; close(); return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    var lang = input.getAttribute("data-lang") || "";
    fetch(endpoint + "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang),
          { headers: { "Accept": "application/json" }, signal: pending.signal })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (input.value.trim() === q) { render(data); } })
      .catch(function () { /* aborted by newer typing, or offline: no suggestions */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 120);
  });
  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && items.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) { lastQuery = null; lookup(); return; }
      highlight(active + 1 < items.length ? active + 1 : 0);
    } else if (event.key === "ArrowUp") {
      if (!open) { return; }
      event.preventDefault();
      highlight(active > 0 ? active - 1 : items.length - 1);
    } else if (event.key === "Enter") {
      if (open && active >= 0) { event.preventDefault(); go(active); }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); close(); }
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
