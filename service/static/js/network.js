// Partner network: d3-force lays out the server's SVG again (nodes and labels
// that do not collide), d3-zoom adds zoom and pan (wheel, pinch, drag, buttons),
// and the drawing exports as SVG or PNG with its title, filter, legend and
// source line. The server SVG keeps working without JavaScript; the pairs
// table under it is the accessible alternative.
(function () {
  "use strict";
  var canvas = document.getElementById("network-canvas");
  var form = document.getElementById("network-filter");
  if (!canvas || !form) return;
  var select = document.getElementById("network-area");
  var controls = document.querySelector(".zoom-controls");
  var pngButton = document.getElementById("network-png");
  var d3 = window.d3;
  var zoomBehaviour = null;
  var current = null; // {svg, nodes, plot}

  function linesOf(svg, id) {
    return Array.prototype.filter.call(svg.querySelectorAll("line[data-source]"), function (l) {
      return l.getAttribute("data-source") === id || l.getAttribute("data-target") === id;
    });
  }

  function highlight(svg, id) {
    svg.classList.add("focus-mode");
    var keep = {};
    keep[id] = true;
    linesOf(svg, id).forEach(function (l) {
      l.classList.add("hl");
      keep[l.getAttribute("data-source")] = true;
      keep[l.getAttribute("data-target")] = true;
    });
    svg.querySelectorAll(".node").forEach(function (n) {
      n.classList.toggle("hl", !!keep[n.getAttribute("data-node")]);
    });
  }

  function clear(svg) {
    svg.classList.remove("focus-mode");
    svg.querySelectorAll(".hl").forEach(function (el) { el.classList.remove("hl"); });
  }

  function plotBox(svg) {
    var p = (svg.getAttribute("data-plot") || "0 0 960 640").split(" ").map(Number);
    return { top: p[1], width: p[2], height: p[3] };
  }

  // ---------------------------------------------------------------- layout (d3-force)

  function readNodes(svg) {
    return Array.prototype.map.call(svg.querySelectorAll(".node"), function (el) {
      var shape = el.querySelector("circle, rect");
      var isRect = shape.tagName.toLowerCase() === "rect";
      var r = isRect ? parseFloat(shape.getAttribute("width")) / 2 : parseFloat(shape.getAttribute("r"));
      var x = isRect ? parseFloat(shape.getAttribute("x")) + r : parseFloat(shape.getAttribute("cx"));
      var y = isRect ? parseFloat(shape.getAttribute("y")) + r : parseFloat(shape.getAttribute("cy"));
      return {
        id: el.getAttribute("data-node"), el: el, shape: shape, isRect: isRect,
        text: el.querySelector("text"), r: r, x: x, y: y,
        hub: el.classList.contains("node-area"), weight: parseInt(el.getAttribute("data-weight") || "1", 10),
      };
    });
  }

  function layout(svg, nodes, plot) {
    if (!d3 || !d3.forceSimulation) return;
    var byId = {};
    nodes.forEach(function (n) {
      byId[n.id] = n;
      if (n.hub) { n.fx = n.x; n.fy = n.y; }
    });
    var links = Array.prototype.map.call(svg.querySelectorAll("line[data-source]"), function (l) {
      return {
        source: l.getAttribute("data-source"), target: l.getAttribute("data-target"),
        kind: l.getAttribute("data-kind"), weight: parseInt(l.getAttribute("data-weight") || "1", 10), el: l,
      };
    }).filter(function (l) { return byId[l.source] && byId[l.target]; });
    var sim = d3.forceSimulation(nodes)
      .force("link", d3.forceLink(links).id(function (d) { return d.id; })
        .distance(function (l) { return l.kind === "area" ? 200 : 110; })
        .strength(function (l) { return l.kind === "area" ? 0.06 : Math.min(0.9, 0.25 * l.weight); }))
      .force("charge", d3.forceManyBody().strength(-420))
      // room for the node and a short label under it
      .force("collide", d3.forceCollide(function (d) { return d.r + 12; }).iterations(2))
      .force("x", d3.forceX(plot.width / 2).strength(0.03))
      .force("y", d3.forceY(plot.height / 2).strength(0.05))
      .stop();
    // a fixed number of ticks and the server's positions as the start: the same picture every time
    for (var i = 0; i < 300; i++) {
      sim.tick();
      nodes.forEach(function (n) {
        n.x = Math.max(n.r + 20, Math.min(plot.width - n.r - 20, n.x));
        n.y = Math.max(n.r + 10, Math.min(plot.height - n.r - 24, n.y));
      });
    }
    nodes.forEach(function (n) {
      if (n.isRect) {
        n.shape.setAttribute("x", (n.x - n.r).toFixed(1));
        n.shape.setAttribute("y", (n.y - n.r).toFixed(1));
      } else {
        n.shape.setAttribute("cx", n.x.toFixed(1));
        n.shape.setAttribute("cy", n.y.toFixed(1));
      }
    });
    links.forEach(function (l) {
      l.el.setAttribute("x1", l.source.x.toFixed(1));
      l.el.setAttribute("y1", l.source.y.toFixed(1));
      l.el.setAttribute("x2", l.target.x.toFixed(1));
      l.el.setAttribute("y2", l.target.y.toFixed(1));
    });
  }

  // ---------------------------------------------------------------- labels

  function overlaps(a, b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  }

  // Greedy placement, most important nodes first: a label goes below, above, right
  // or left of its node, wherever it hits no other label and no node; a label with
  // no free place is hidden and shown on hover or focus (CSS .label-minor).
  function placeLabels(nodes, k, screenScale, plot) {
    // labels keep at least 11 screen pixels whatever the zoom or the screen width
    var unit = 1 / (k * screenScale);
    var boxes = nodes.map(function (n) {
      var s = n.r * 1; // node boxes in plot units
      return { x: n.x - s, y: n.y - s, w: 2 * s, h: 2 * s };
    });
    var placed = [];
    var order = nodes.slice().sort(function (a, b) { return (b.hub - a.hub) || (b.weight - a.weight); });
    order.forEach(function (n) {
      var size = Math.max(n.hub ? 15 : 12, 11 * unit * k) / k;
      n.text.setAttribute("font-size", size.toFixed(2));
      n.text.setAttribute("stroke-width", (3 / k).toFixed(2));
      var w = n.text.getComputedTextLength ? n.text.getComputedTextLength() : size * n.text.textContent.length * 0.6;
      var h = size * 1.15;
      var gap = 3 / k;
      var candidates = [
        { x: n.x - w / 2, y: n.y + n.r + gap, anchor: "middle", tx: n.x, ty: n.y + n.r + gap + size * 0.9 },
        { x: n.x - w / 2, y: n.y - n.r - gap - h, anchor: "middle", tx: n.x, ty: n.y - n.r - gap - size * 0.2 },
        { x: n.x + n.r + gap, y: n.y - h / 2, anchor: "start", tx: n.x + n.r + gap, ty: n.y + size * 0.35 },
        { x: n.x - n.r - gap - w, y: n.y - h / 2, anchor: "end", tx: n.x - n.r - gap, ty: n.y + size * 0.35 },
      ];
      var chosen = null;
      for (var i = 0; i < candidates.length && !chosen; i++) {
        var c = candidates[i];
        var box = { x: c.x, y: c.y, w: w, h: h };
        var inside = box.x >= 0 && box.y >= 0 && box.x + w <= plot.width && box.y + h <= plot.height;
        var free = inside && placed.every(function (p) { return !overlaps(box, p); }) &&
          boxes.every(function (b, j) { return nodes[j] === n || !overlaps(box, b); });
        if (free) { chosen = c; placed.push(box); }
      }
      var c0 = chosen || candidates[0];
      n.text.setAttribute("x", c0.tx.toFixed(1));
      n.text.setAttribute("y", c0.ty.toFixed(1));
      n.text.setAttribute("text-anchor", c0.anchor);
      n.el.classList.toggle("label-minor", !chosen);
    });
  }

  // ---------------------------------------------------------------- zoom and pan (d3-zoom)

  function setUpZoom(svg, nodes, plot) {
    if (!d3 || !d3.zoom) return;
    var viewport = svg.querySelector(".viewport");
    var screenScale = function () { return (svg.getBoundingClientRect().width || plot.width) / plot.width; };
    var relabel = null;
    zoomBehaviour = d3.zoom()
      .scaleExtent([1, 8])
      .extent([[0, plot.top], [plot.width, plot.top + plot.height]])
      .translateExtent([[0, plot.top], [plot.width, plot.top + plot.height]])
      .on("zoom", function (event) {
        var t = event.transform;
        // the plot band starts at plot.top; zoom works in the SVG's own coordinates
        viewport.setAttribute("transform", "translate(" + t.x.toFixed(2) + " " + t.y.toFixed(2) + ") scale(" +
          t.k.toFixed(4) + ") translate(0 " + plot.top + ")");
        clearTimeout(relabel);
        relabel = setTimeout(function () { placeLabels(nodes, t.k, screenScale(), plot); }, 60);
      });
    d3.select(svg).call(zoomBehaviour).on("dblclick.zoom", null);
    placeLabels(nodes, 1, screenScale(), plot);
  }

  function zoomBy(factor) {
    if (!current || !zoomBehaviour) return;
    d3.select(current.svg).call(zoomBehaviour.scaleBy, factor);
  }

  function panBy(dx, dy) {
    if (!current || !zoomBehaviour) return;
    var k = d3.zoomTransform(current.svg).k;
    d3.select(current.svg).call(zoomBehaviour.translateBy, dx / k, dy / k);
  }

  if (controls) {
    controls.addEventListener("click", function (evt) {
      var b = evt.target.closest("button");
      if (!b) return;
      var step = 120;
      var z = b.getAttribute("data-zoom");
      var p = b.getAttribute("data-pan");
      if (z === "in") zoomBy(1.5);
      else if (z === "out") zoomBy(1 / 1.5);
      else if (z === "reset" && current && zoomBehaviour) d3.select(current.svg).call(zoomBehaviour.transform, d3.zoomIdentity);
      else if (p === "left") panBy(step, 0);
      else if (p === "right") panBy(-step, 0);
      else if (p === "up") panBy(0, step);
      else if (p === "down") panBy(0, -step);
    });
  }

  // ---------------------------------------------------------------- export

  function exportText() {
    var copy = current.svg.cloneNode(true);
    copy.classList.remove("focus-mode");
    copy.querySelectorAll(".hl").forEach(function (el) { el.classList.remove("hl"); });
    // a stylesheet does not travel with the file: hidden labels are removed outright
    copy.querySelectorAll(".label-minor text").forEach(function (t) { t.remove(); });
    copy.removeAttribute("style");
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
  }

  function fileName(ext) {
    var link = document.getElementById("network-download");
    var base = (link && link.getAttribute("download")) || "plankg-network.svg";
    return base.replace(/\.svg$/, "." + ext);
  }

  function exportSvg(evt) {
    if (!current) return;
    evt.preventDefault();
    window.plankgSave(new Blob([exportText()], { type: "image/svg+xml" }), fileName("svg"));
  }

  function exportPng() {
    if (!current) return;
    var svg = current.svg;
    var vb = svg.viewBox.baseVal;
    var scale = 2;
    var img = new Image();
    img.onload = function () {
      var c = document.createElement("canvas");
      c.width = vb.width * scale;
      c.height = vb.height * scale;
      var g = c.getContext("2d");
      g.fillStyle = "#ffffff";
      g.fillRect(0, 0, c.width, c.height);
      g.drawImage(img, 0, 0, c.width, c.height);
      c.toBlob(function (blob) { window.plankgSave(blob, fileName("png")); }, "image/png");
    };
    // a data: URL, which the page's CSP allows for images (blob: it does not)
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(exportText());
  }

  if (pngButton) pngButton.addEventListener("click", exportPng);
  var svgLink = document.getElementById("network-download");
  if (svgLink) svgLink.addEventListener("click", exportSvg);

  // ---------------------------------------------------------------- wiring

  function enhance() {
    var svg = canvas.querySelector("svg");
    if (!svg) return;
    var plot = plotBox(svg);
    var nodes = readNodes(svg);
    layout(svg, nodes, plot);
    current = { svg: svg, nodes: nodes, plot: plot };
    setUpZoom(svg, nodes, plot);
    svg.querySelectorAll(".node").forEach(function (node) {
      var id = node.getAttribute("data-node");
      node.addEventListener("mouseenter", function () { highlight(svg, id); });
      node.addEventListener("mouseleave", function () { clear(svg); });
      node.addEventListener("focus", function () { highlight(svg, id); });
      node.addEventListener("blur", function () { clear(svg); });
    });
    if (controls && zoomBehaviour) controls.hidden = false;
    if (pngButton) pngButton.hidden = false;
    svg.setAttribute("data-laid-out", d3 ? "d3-force" : "server");
  }

  function show(area) {
    var params = new URLSearchParams(window.location.search);
    if (area) params.set("area", area); else params.delete("area");
    params.delete("lang");
    params.delete("page");
    var query = params.toString();
    var url = "/network" + (query ? "?" + query : "");
    canvas.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["network-canvas", "network-status", "pairs"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) old.replaceWith(document.importNode(fresh, true));
        });
        canvas = document.getElementById("network-canvas");
        var fresh = doc.getElementById("network-download");
        var link = document.getElementById("network-download");
        if (fresh && link) {
          link.setAttribute("href", fresh.getAttribute("href"));
          link.setAttribute("download", fresh.getAttribute("download"));
        }
        window.history.replaceState(null, "", url);
        enhance();
      })
      .catch(function () { window.location.assign(url); })
      .finally(function () { canvas.removeAttribute("aria-busy"); });
  }

  select.addEventListener("change", function () { show(select.value); });
  form.addEventListener("submit", function (evt) {
    evt.preventDefault();
    show(select.value);
  });
  enhance();
})();
