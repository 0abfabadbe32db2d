// SPARQL editor: named queries as examples, run through /sparql, results as a table,
// download as CSV or JSON. Plain textarea: small, works offline, keyboard friendly.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  if (!form) return;
  var catalog = JSON.parse(document.getElementById("query-catalog").textContent || "[]");
  var strings = JSON.parse(document.getElementById("query-strings").textContent || "{}");
  var pick = document.getElementById("query-pick");
  var text = document.getElementById("query-text");
  var status = document.getElementById("query-status");
  var results = document.getElementById("query-results");
  var description = document.getElementById("query-description");
  var formLink = document.getElementById("query-form-link");
  var csvButton = document.getElementById("download-csv");
  var jsonButton = document.getElementById("download-json");
  var last = null;

  function byName(name) {
    for (var i = 0; i < catalog.length; i++) if (catalog[i].name === name) return catalog[i];
    return null;
  }

  function load(name) {
    var q = byName(name);
    if (!q) return;
    text.value = q.sparql;
    description.textContent = q.description || "";
    formLink.setAttribute("href", "/queries/" + encodeURIComponent(q.name) + "/form");
  }

  function cellText(term) {
    return term ? term.value : "";
  }

  function localHref(iri) {
    // our own IRIs open on this server, whatever host the base IRI names
    if (strings.base && iri.indexOf(strings.base) === 0) return "/id/" + iri.slice(strings.base.length);
    return /^https?:\/\//.test(iri) ? iri : null;
  }

  function renderTable(data) {
    results.textContent = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p");
      p.textContent = String(data.boolean);
      results.appendChild(p);
      status.textContent = "ASK: " + data.boolean;
      return;
    }
    var vars = (data.head && data.head.vars) || [];
    var rows = (data.results && data.results.bindings) || [];
    status.textContent = rows.length + " " + strings["query.rows"];
    if (!rows.length) {
      var none = document.createElement("p");
      none.textContent = strings["query.none"];
      results.appendChild(none);
      return;
    }
    var table = document.createElement("table");
    table.className = "results-table";
    var head = table.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (binding) {
      var tr = body.insertRow();
      vars.forEach(function (v) {
        var td = tr.insertCell();
        var term = binding[v];
        if (!term) return;
        var href = term.type === "uri" ? localHref(term.value) : null;
        if (href) {
          var a = document.createElement("a");
          a.href = href;
          a.textContent = term.value;
          td.appendChild(a);
        } else {
          td.textContent = term.value;
        }
        if (term["xml:lang"]) td.lang = term["xml:lang"] === "zh" ? "zh-Hans" : term["xml:lang"];
      });
    });
    results.appendChild(table);
  }

  function showError(message) {
    results.textContent = "";
    var div = document.createElement("div");
    div.className = "error";
    div.setAttribute("role", "alert");
    var strong = document.createElement("strong");
    strong.textContent = strings["query.error"] + ": ";
    div.appendChild(strong);
    div.appendChild(document.createTextNode(message));
    results.appendChild(div);
    status.textContent = strings["query.error"];
  }

  function run() {
    status.textContent = strings["query.running"];
    csvButton.disabled = jsonButton.disabled = true;
    last = null;
    var body = new URLSearchParams();
    body.set("query", text.value);
    return fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/sparql-results+json, text/turtle;q=0.9",
      },
      body: body.toString(),
      credentials: "same-origin",
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok) {
          return response.text().then(function (t) {
            var detail = t;
            try { detail = JSON.parse(t).detail || t; } catch (e) { /* not JSON */ }
            throw new Error(detail);
          });
        }
        if (type.indexOf("json") >= 0) {
          return response.json().then(function (data) {
            last = data;
            renderTable(data);
            csvButton.disabled = jsonButton.disabled = false;
          });
        }
        return response.text().then(function (t) {
          results.textContent = "";
          var pre = document.createElement("pre");
          pre.textContent = t;
          results.appendChild(pre);
          status.textContent = "";
        });
      })
      .catch(function (err) { showError(err.message); });
  }

  function csvField(value) {
    return /[",\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  function toCsv(data) {
    var vars = data.head.vars || [];
    var lines = [vars.map(csvField).join(",")];
    (data.results.bindings || []).forEach(function (b) {
      lines.push(vars.map(function (v) { return csvField(cellText(b[v])); }).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  function save(content, type, name) {
    var url = URL.createObjectURL(new Blob([content], { type: type }));
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function baseName() {
    return (pick && pick.value) || "query";
  }

  pick.addEventListener("change", function () { load(pick.value); });
  form.addEventListener("submit", function (evt) {
    evt.preventDefault();
    run();
  });
  text.addEventListener("keydown", function (evt) {
    if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey)) {
      evt.preventDefault();
      run();
    }
  });
  csvButton.addEventListener("click", function () {
    if (last && last.head) save(toCsv(last), "text/csv", baseName() + ".csv");
  });
  jsonButton.addEventListener("click", function () {
    if (last) save(JSON.stringify(last, null, 1), "application/sparql-results+json", baseName() + ".json");
  });
  var chosen = byName(pick.value);
  if (chosen) description.textContent = chosen.description || "";
})();
