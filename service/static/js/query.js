// SPARQL editor on /query: YASQE (editor) and YASR (results) from the vendored @zazuko/yasgui
// bundle, with the requests made here rather than by YASGUI, because a named query must reach
// the server as a named query: GET /queries/{name}?param=value binds each value as a typed RDF
// term on the server, whereas sending the text to /sparql would drop its parameters. Any other
// text (an edited named query, the user's own query) is POSTed to /sparql. Nothing is sent
// anywhere else: no prefix service, no class/property look-ups, no link shortener.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  if (!form) return;
  var catalog = JSON.parse(document.getElementById("query-catalog").textContent || "[]");
  var strings = JSON.parse(document.getElementById("query-strings").textContent || "{}");
  var pick = document.getElementById("query-pick");
  var textarea = document.getElementById("query-text");
  var status = document.getElementById("query-status");
  var errorBox = document.getElementById("query-error");
  var description = document.getElementById("query-description");
  var formLink = document.getElementById("query-form-link");
  var paramBox = document.getElementById("query-params");
  var paramFields = document.getElementById("query-param-fields");
  var editedNote = document.getElementById("query-edited");
  var shareLink = document.getElementById("query-share");
  var buttons = {
    csv: document.getElementById("download-csv"),
    json: document.getElementById("download-json"),
    xlsx: document.getElementById("download-xlsx"),
    turtle: document.getElementById("download-turtle"),
  };
  var MAX_LINK_CHARS = 8000; // longer texts make links that servers and browsers refuse
  var NAMES_URL = "/names"; // the graph's own entities' names, by IRI
  var NAMES_BATCH = 200; // IRIs per request: what /names takes
  var NAMES_IRI_CHARS = 2000; // longer IRIs are no entity's: not asked
  var lang = document.documentElement.lang.indexOf("zh") === 0 ? "zh" : "en";
  var current = null; // the named query shown, or null for the user's own query
  var last = null; // {kind, text, json, name}
  var errorMarks = [];
  var names = Object.create(null); // IRI -> promise of its label ("" for none), asked of /names as answers show IRIs

  var Y = window.Yasgui;
  var yasqe = null;
  var yasr = null;
  if (Y && Y.Yasqe && Y.Yasr) {
    yasqe = new Y.Yasqe(document.getElementById("query-editor"), {
      value: textarea.value,
      persistenceId: null,
      showQueryButton: false,
      createShareableLink: null,
      consumeShareLink: null,
      createShortLink: undefined,
      autocompleters: ["prefixes", "variables"],
      prefixCcApi: null,
      resizeable: true,
      editorHeight: "22rem",
    });
    // YASQE runs its own request on Ctrl+Enter; ours goes to the right endpoint
    yasqe.query = function () { run(); return Promise.resolve(); };
    textarea.hidden = true;
    // the scrolling text is a region of its own for keyboard users (axe scrollable-region-focusable)
    yasqe.getScrollerElement().setAttribute("tabindex", "0");
    var input = yasqe.getInputField();
    if (input) input.setAttribute("aria-labelledby", "query-text-label");
    // a graph's Turtle opens with ~30 prefix lines: show enough lines to reach the triples
    if (Y.Yasr.plugins && Y.Yasr.plugins.response) Y.Yasr.plugins.response.defaults.maxLines = 400;
    yasr = new Y.Yasr(document.getElementById("query-results"), {
      persistenceId: null,
      prefixes: strings.prefixes || {},
      pluginOrder: ["table", "response", "boolean"],
      defaultPlugin: "table",
      getDownloadFileName: function () { return baseName(); },
      getPlainQueryLinkToEndpoint: undefined,
    });
    watchLabels(yasr.resultsEl);
    translateYasr(yasr.rootEl);  // the plugin tabs are drawn before any result arrives
  }

  function text() { return yasqe ? yasqe.getValue() : textarea.value; }
  function setText(value) {
    if (yasqe) yasqe.setValue(value);
    else textarea.value = value;
  }

  function byName(name) {
    for (var i = 0; i < catalog.length; i++) if (catalog[i].name === name) return catalog[i];
    return null;
  }

  function isEdited() {
    return !!current && text().trim() !== current.body.trim();
  }

  function baseName() {
    return current && !isEdited() ? current.name : "custom-query";
  }

  // ------------------------------------------------------------ parameters
  function paramField(p, value) {
    var wrap = document.createElement("div");
    wrap.className = "field";
    var id = "qp-" + p.name;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = (p.label || p.name) + (p.required ? " *" : "");
    wrap.appendChild(label);
    var control;
    if (p.enum || p.type === "boolean") {
      control = document.createElement("select");
      var options = p.enum ? p.enum.slice() : ["true", "false"];
      if (!p.required) options.unshift("");
      options.forEach(function (v) {
        var o = document.createElement("option");
        o.value = v;
        if (v === "") o.textContent = "— " + strings["form.any"] + " —";
        else if (p.type === "boolean") o.textContent = strings["form." + v] || v;
        else o.textContent = (p.labels && p.labels[v]) ? p.labels[v] + " (" + v + ")" : v;
        control.appendChild(o);
      });
      control.value = value;
    } else {
      control = document.createElement("input");
      if (p.type === "integer" || p.type === "decimal" || p.type === "year") {
        control.type = "number";
        control.step = p.type === "decimal" ? "any" : "1";
        if (p.min !== undefined) control.min = p.min;
        if (p.max !== undefined) control.max = p.max;
      } else {
        control.type = "text";
        control.maxLength = 500;
      }
      if (p.example) control.placeholder = p.example;
      if (p.choices) {
        var list = document.createElement("datalist");
        list.id = id + "-choices";
        list.setAttribute("translate", "no");  // the graph's own names and acronyms
        p.choices.forEach(function (c) {
          var o = document.createElement("option");
          o.value = c.value;
          o.textContent = c.label;
          list.appendChild(o);
        });
        wrap.appendChild(list);
        control.setAttribute("list", list.id);
        control.autocomplete = "off";
      }
      control.value = value;
    }
    control.id = id;
    control.name = p.name;
    control.dataset.param = p.name;
    if (p.required) control.required = true;
    var help = document.createElement("p");
    help.className = "hint";
    help.id = id + "-help";
    help.textContent = (p.choices ? strings["form.suggest"] + " " : "") + (p.description || "");
    control.setAttribute("aria-describedby", help.id);
    control.addEventListener("change", updateShare);
    wrap.appendChild(control);
    wrap.appendChild(help);
    return wrap;
  }

  function drawParams(q, given) {
    paramFields.textContent = "";
    var params = (q && q.params) || [];
    paramBox.hidden = params.length === 0;
    params.forEach(function (p) {
      // a required parameter starts with its example, so that every named query runs as it opens
      var fallback = p.default !== undefined ? String(p.default) : (p.required && p.example !== undefined ? String(p.example) : "");
      var value = given && given.has(p.name) ? given.get(p.name) : fallback;
      paramFields.appendChild(paramField(p, value));
    });
  }

  function paramValues() {
    var out = [];
    Array.prototype.forEach.call(paramFields.querySelectorAll("[data-param]"), function (el) {
      if (el.value !== "") out.push([el.dataset.param, el.value]);
    });
    return out;
  }

  // ------------------------------------------------------------ loading a query
  function load(name, given) {
    current = byName(name);
    if (current) {
      setText(current.body);
      description.textContent = current.description || "";
      formLink.hidden = false;
      formLink.setAttribute("href", "/queries/" + encodeURIComponent(current.name) + "/form");
    } else {
      if (given === undefined || !given.has("query")) setText(strings.template || "");
      description.textContent = "";
      formLink.hidden = true;
    }
    drawParams(current, given);
    onEdit();
  }

  function onEdit() {
    var edited = isEdited();
    editedNote.hidden = !edited;
    paramBox.disabled = edited;
    clearErrorMarks();
    updateShare();
  }

  // ------------------------------------------------------------ shareable link
  function shareUrl() {
    var params = new URLSearchParams();
    if (lang === "en") params.set("lang", "en");
    if (current && !isEdited()) {
      params.set("name", current.name);
      paramValues().forEach(function (kv) { params.set(kv[0], kv[1]); });
    } else {
      var q = text();
      if (q.length > MAX_LINK_CHARS) return null;
      params.set("query", q);
    }
    params.set("run", "1");
    return "/query?" + params.toString();
  }

  function updateShare() {
    var url = shareUrl();
    shareLink.hidden = !url;
    if (url) shareLink.setAttribute("href", url);
  }

  // ------------------------------------------------------------ running
  function run() {
    clearErrorMarks();
    errorBox.textContent = "";
    status.textContent = strings["query.running"];
    setDownloads(null);
    last = null;
    var started = Date.now();
    var named = current && !isEdited() ? current : null;
    var request;
    if (named) {
      var params = new URLSearchParams();
      paramValues().forEach(function (kv) { params.set(kv[0], kv[1]); });
      var qs = params.toString();
      request = fetch("/queries/" + encodeURIComponent(named.name) + (qs ? "?" + qs : ""), {
        headers: { Accept: named.form === "graph" ? "text/turtle" : "application/sparql-results+json" },
        credentials: "same-origin",
      });
    } else {
      var body = new URLSearchParams();
      body.set("query", text());
      request = fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: body.toString(),
        credentials: "same-origin",
      });
    }
    history.replaceState(null, "", shareUrl() || "/query");
    return request
      .then(function (response) {
        return response.text().then(function (t) { return { response: response, body: t }; });
      })
      .then(function (r) {
        if (!r.response.ok) return showProblem(r.body, !named);
        var type = r.response.headers.get("Content-Type") || "";
        var kind = type.indexOf("json") >= 0 ? "table" : "graph";
        var json = kind === "table" ? JSON.parse(r.body) : null;
        last = { kind: kind, text: r.body, json: json, name: baseName() };
        var truncated = r.response.headers.get("X-PlanKG-Truncated") === "true";
        showStatus(kind, json, r.response.headers.get("X-PlanKG-Rows"), truncated);
        setDownloads(kind, json);
        if (yasr) {
          yasr.setResponse({ data: r.body, contentType: type.split(";")[0], status: 200, executionTime: Date.now() - started });
          if (kind === "graph") yasr.selectPlugin("response");
          else if (json && typeof json.boolean === "boolean") yasr.selectPlugin("boolean");
          else yasr.selectPlugin("table");
        }
      })
      .catch(function (err) { showMessage(strings["query.error"], String(err && err.message || err)); });
  }

  function showStatus(kind, json, rows, truncated) {
    var s;
    if (json && typeof json.boolean === "boolean") s = "ASK: " + json.boolean;
    else if (kind === "graph") s = (rows || "?") + " " + strings["query.triples"];
    else s = (json.results.bindings.length) + " " + strings["query.rows"];
    if (truncated) s += " (" + strings["query.truncated"] + ")";
    status.textContent = s;
  }

  function showProblem(body, markable) {
    var problem = null;
    try { problem = JSON.parse(body); } catch (e) { /* not a problem document */ }
    if (!problem || typeof problem !== "object") return showMessage(strings["query.error"], body.slice(0, 500));
    if (typeof problem.line === "number") {
      var where = (typeof problem.column === "number" ? strings["query.where"] : strings["query.where.line"])
        .replace("{line}", problem.line).replace("{column}", problem.column);
      showMessage(strings["query.syntax"] + " (" + where + ")", problem.detail || problem.title || "");
      if (markable) markError(problem.line, problem.column);
      return;
    }
    showMessage(strings["query.error"], problem.detail || problem.title || "");
  }

  function showMessage(heading, detail) {
    errorBox.textContent = "";
    var div = document.createElement("div");
    div.className = "error";
    div.setAttribute("role", "alert");
    var strong = document.createElement("strong");
    strong.textContent = heading + ": ";
    div.appendChild(strong);
    div.appendChild(document.createTextNode(detail));
    errorBox.appendChild(div);
    status.textContent = strings["query.error"];
    if (yasr) yasr.resultsEl.textContent = "";
    return div;
  }

  function markError(line, column) {
    var lines = text().split("\n");
    var i = Math.min(Math.max(line, 1), lines.length) - 1;
    var col = Math.max((column || 1) - 1, 0);
    // the offending line with a caret under the column, so the place is seen without the editor
    var pre = document.createElement("pre");
    pre.className = "error-excerpt";
    pre.textContent = (i + 1) + " | " + lines[i] + "\n" + " ".repeat(String(i + 1).length + 3 + Math.min(col, lines[i].length)) + "^";
    var box = errorBox.querySelector(".error");
    if (box) box.appendChild(pre);
    if (yasqe) {
      var handle = yasqe.addLineClass(i, "background", "query-error-line");
      errorMarks.push(handle);
      yasqe.setCursor({ line: i, ch: col });
      yasqe.scrollIntoView({ line: i, ch: col }, 40);
    }
  }

  function clearErrorMarks() {
    if (!yasqe) return;
    errorMarks.forEach(function (h) { yasqe.removeLineClass(h, "background", "query-error-line"); });
    errorMarks = [];
  }

  // ------------------------------------------------------------ labels beside IRIs
  function pickName(found, iri) {
    var n = found && Object.prototype.hasOwnProperty.call(found, iri) ? found[iri] : null;
    if (!n) return "";
    return (lang === "zh" ? n.zh || n.en : n.en || n.zh) || "";
  }

  function askNames(iris) {
    // the IRIs not asked yet, in requests of at most NAMES_BATCH IRIs and MAX_LINK_CHARS characters;
    // a request that fails leaves its IRIs unnamed, never an error on the page
    var batch = [];
    var size = 0;
    function send() {
      if (!batch.length) return;
      var qs = batch.map(function (iri) { return "iri=" + encodeURIComponent(iri); }).join("&");
      var answer = fetch(NAMES_URL + "?" + qs, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; });
      batch.forEach(function (iri) { names[iri] = answer.then(function (found) { return pickName(found, iri); }); });
      batch = [];
      size = 0;
    }
    iris.forEach(function (iri) {
      if (iri in names) return;
      var part = encodeURIComponent(iri).length + 5;
      if (batch.length >= NAMES_BATCH || size + part > MAX_LINK_CHARS) send();
      batch.push(iri);
      size += part;
      names[iri] = null; // asked in this batch: not twice
    });
    send();
  }

  function named(iri) {
    // only the graph's own entities have names: other IRIs are not asked
    return !!strings.base && iri.indexOf(strings.base) === 0 && iri.length <= NAMES_IRI_CHARS;
  }

  function localHref(iri) {
    if (strings.base && iri.indexOf(strings.base) === 0) return "/id/" + iri.slice(strings.base.length);
    return /^https?:\/\//.test(iri) ? iri : null;
  }

  function decorate(root) {
    var shown = [];
    Array.prototype.forEach.call(root.querySelectorAll("a.iri:not([data-labelled])"), function (a) {
      a.setAttribute("data-labelled", "");
      var iri = a.getAttribute("href") || "";
      var href = localHref(iri);
      if (href) { a.setAttribute("href", href); a.removeAttribute("target"); }
      a.title = iri;
      if (named(iri)) shown.push(a);
    });
    if (!shown.length) return;
    askNames(shown.map(function (a) { return a.title; }));
    shown.forEach(function (a) {
      var iri = a.title;
      Promise.resolve(names[iri]).then(function (name) {
        if (!name || !a.parentNode) return;  // YASR may have redrawn the table meanwhile
        var span = document.createElement("span");
        span.className = "iri-label";
        span.textContent = name;
        a.parentNode.insertBefore(span, a.nextSibling);
      });
    });
  }

  function translateYasr(root) {
    // YASR writes its controls in English only; the page's strings replace them
    if (lang !== "en") {
      var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var t = node.nodeValue.trim();
        var m = /^(\d+) results? in ([\d.]+) seconds?$/.exec(t);
        if (m) node.nodeValue = strings["yasr.results"].replace("{n}", m[1]).replace("{s}", m[2]);
        else if (t && strings["yasr." + t]) node.nodeValue = node.nodeValue.replace(t, strings["yasr." + t]);
      }
      Array.prototype.forEach.call(root.querySelectorAll("input[placeholder]"), function (el) {
        var key = "yasr." + el.placeholder;
        if (strings[key]) { el.placeholder = strings[key]; el.setAttribute("aria-label", strings[key]); }
      });
      Array.prototype.forEach.call(root.querySelectorAll("[title], [aria-label]"), function (el) {
        ["title", "aria-label"].forEach(function (name) {
          var value = el.getAttribute(name);
          if (value && strings["yasr." + value]) el.setAttribute(name, strings["yasr." + value]);
        });
      });
    }
    // accessible names that match what is shown (axe label-content-name-mismatch, select-name)
    Array.prototype.forEach.call(root.querySelectorAll("button[aria-label]"), function (el) {
      var shown = el.textContent.trim();
      if (shown && el.getAttribute("aria-label") !== shown) el.setAttribute("aria-label", shown);
    });
    Array.prototype.forEach.call(root.querySelectorAll("select.tableSizer:not([aria-label])"), function (el) {
      el.setAttribute("aria-label", strings["yasr.Page size:"].replace(/[:：]\s*$/, ""));
    });
  }

  function watchLabels(root) {
    // YASR redraws the table on paging, sorting and filtering: label each drawn page
    // only YASR's header (plugin tabs, table controls) and overlay buttons: never the data cells
    new MutationObserver(function () {
      decorate(root);
      if (!yasr) return;
      translateYasr(yasr.headerEl);
      Array.prototype.forEach.call(yasr.rootEl.querySelectorAll(".overlay_btn"), translateYasr);
    })
      .observe(yasr ? yasr.rootEl : root, { childList: true, subtree: true, characterData: true });
  }

  // ------------------------------------------------------------ downloads
  function setDownloads(kind, json) {
    var table = kind === "table" && json && json.head && !(typeof json.boolean === "boolean");
    buttons.csv.disabled = !table;
    buttons.xlsx.disabled = !table;
    buttons.json.disabled = kind !== "table";
    buttons.turtle.disabled = kind !== "graph";
  }

  function cell(term) { return term ? term.value : ""; }

  function csvField(value) {
    return /[",\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  function toCsv(data) {
    var vars = data.head.vars || [];
    var lines = [vars.map(csvField).join(",")];
    data.results.bindings.forEach(function (b) {
      lines.push(vars.map(function (v) { return csvField(cell(b[v])); }).join(","));
    });
    // the byte-order mark: Excel on Windows reads a CSV without one in the local code page
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  var NUMERIC = /#(integer|decimal|double|float|int|long|short|nonNegativeInteger|positiveInteger)$/;

  function xml(s) {
    return s.replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\ud800-\udbff\udc00-\udfff]/g, "")
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function column(i) {
    var s = "";
    for (i += 1; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
    return s;
  }

  function xlsxCell(ref, term) {
    if (!term) return "";
    if (term.datatype && NUMERIC.test(term.datatype) && isFinite(Number(term.value)) && term.value.trim() !== "") {
      return '<c r="' + ref + '"><v>' + Number(term.value) + "</v></c>";
    }
    return '<c r="' + ref + '" t="inlineStr"><is><t xml:space="preserve">' + xml(term.value.slice(0, 32767)) + "</t></is></c>";
  }

  function toXlsx(data) {
    // the smallest workbook Excel and LibreOffice open: one sheet of inline strings, zipped by fflate
    var vars = data.head.vars || [];
    var rows = ['<row r="1">' + vars.map(function (v, i) {
      return xlsxCell(column(i) + "1", { value: v });
    }).join("") + "</row>"];
    data.results.bindings.forEach(function (b, r) {
      rows.push('<row r="' + (r + 2) + '">' + vars.map(function (v, i) { return xlsxCell(column(i) + (r + 2), b[v]); }).join("") + "</row>");
    });
    var enc = function (s) { return window.fflate.strToU8(s); };
    var files = {
      "[Content_Types].xml": enc('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
      "_rels/.rels": enc('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
      "xl/workbook.xml": enc('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="results" sheetId="1" r:id="rId1"/></sheets></workbook>'),
      "xl/_rels/workbook.xml.rels": enc('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
      "xl/worksheets/sheet1.xml": enc('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows.join("") + "</sheetData></worksheet>"),
    };
    return window.fflate.zipSync(files, { level: 6 });
  }

  function save(content, type, name) {
    window.plankgSave(new Blob([content], { type: type }), name);
  }

  buttons.csv.addEventListener("click", function () {
    if (last && last.json) save(toCsv(last.json), "text/csv;charset=utf-8", last.name + ".csv");
  });
  buttons.json.addEventListener("click", function () {
    if (last && last.json) save(last.text, "application/sparql-results+json", last.name + ".json");
  });
  buttons.xlsx.addEventListener("click", function () {
    if (last && last.json && window.fflate) {
      save(toXlsx(last.json), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", last.name + ".xlsx");
    }
  });
  buttons.turtle.addEventListener("click", function () {
    if (last && last.kind === "graph") save(last.text, "text/turtle;charset=utf-8", last.name + ".ttl");
  });

  // ------------------------------------------------------------ wiring
  pick.addEventListener("change", function () { load(pick.value); });
  document.getElementById("query-restore").addEventListener("click", function () {
    if (current) { setText(current.body); onEdit(); }
  });
  document.getElementById("query-copy").addEventListener("click", function () {
    var url = new URL(shareLink.getAttribute("href"), location.href).href;
    var done = function () { status.textContent = strings["query.copied"]; };
    if (navigator.clipboard) navigator.clipboard.writeText(url).then(done, function () { /* no permission: the link stays visible */ });
  });
  form.addEventListener("submit", function (evt) { evt.preventDefault(); run(); });
  if (yasqe) yasqe.on("change", onEdit);
  else {
    textarea.addEventListener("input", onEdit);
    textarea.addEventListener("keydown", function (evt) {
      if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey)) { evt.preventDefault(); run(); }
    });
  }

  var given = new URLSearchParams(location.search);
  if (given.has("query") && !given.has("name")) {
    pick.value = "";
    load("", given);
    setText(given.get("query"));
    onEdit();
  } else {
    load(pick.value, given);
  }
  if (given.get("run") === "1") run();
})();
