// Partner network: filter without a page load, highlight a node's links, drag nodes.
// The server draws the SVG (the same one /network.svg serves); this script only
// swaps it when the filter changes and adds interaction on top.
(function () {
  "use strict";
  var canvas = document.getElementById("network-canvas");
  var form = document.getElementById("network-filter");
  if (!canvas || !form) return;
  var select = document.getElementById("network-area");
  var SVG_NS = "http://www.w3.org/2000/svg";

  function svgPoint(svg, evt) {
    var pt = svg.createSVGPoint();
    pt.x = evt.clientX;
    pt.y = evt.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }

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

  function moveNode(svg, node, x, y) {
    var shape = node.querySelector("circle, rect");
    var text = node.querySelector("text");
    var id = node.getAttribute("data-node");
    var oldX, oldY;
    if (shape.tagName === "circle") {
      oldX = parseFloat(shape.getAttribute("cx"));
      oldY = parseFloat(shape.getAttribute("cy"));
      shape.setAttribute("cx", x);
      shape.setAttribute("cy", y);
    } else {
      var half = parseFloat(shape.getAttribute("width")) / 2;
      oldX = parseFloat(shape.getAttribute("x")) + half;
      oldY = parseFloat(shape.getAttribute("y")) + half;
      shape.setAttribute("x", x - half);
      shape.setAttribute("y", y - half);
    }
    text.setAttribute("x", x);
    text.setAttribute("y", parseFloat(text.getAttribute("y")) + (y - oldY));
    linesOf(svg, id).forEach(function (l) {
      var end = l.getAttribute("data-source") === id ? "1" : "2";
      l.setAttribute("x" + end, x);
      l.setAttribute("y" + end, y);
    });
  }

  function enhance() {
    var svg = canvas.querySelector("svg");
    if (!svg) return;
    var drag = null;
    svg.querySelectorAll(".node").forEach(function (node) {
      var id = node.getAttribute("data-node");
      node.addEventListener("mouseenter", function () { if (!drag) highlight(svg, id); });
      node.addEventListener("mouseleave", function () { if (!drag) clear(svg); });
      node.addEventListener("focus", function () { highlight(svg, id); });
      node.addEventListener("blur", function () { clear(svg); });
      node.addEventListener("pointerdown", function (evt) {
        if (evt.button !== 0) return;
        drag = { node: node, moved: false, start: svgPoint(svg, evt) };
        node.setPointerCapture(evt.pointerId);
      });
      node.addEventListener("pointermove", function (evt) {
        if (!drag || drag.node !== node) return;
        var p = svgPoint(svg, evt);
        if (!drag.moved && Math.hypot(p.x - drag.start.x, p.y - drag.start.y) < 4) return;
        drag.moved = true;
        moveNode(svg, node, p.x, p.y);
      });
      node.addEventListener("pointerup", function () {
        if (drag && drag.node === node) {
          node.dataset.dragged = drag.moved ? "1" : "";
          drag = null;
        }
      });
      node.addEventListener("click", function (evt) {
        // a drag ends with a click; only a click without a drag follows the link
        if (node.dataset.dragged === "1") {
          evt.preventDefault();
          node.dataset.dragged = "";
        }
      });
    });
  }

  function show(area) {
    var params = new URLSearchParams(window.location.search);
    if (area) params.set("area", area); else params.delete("area");
    params.delete("lang");
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
        ["network-canvas", "network-status", "h-pairs"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (!fresh || !old) return;
          var target = id === "h-pairs" ? old.parentNode : old;
          var source = id === "h-pairs" ? fresh.parentNode : fresh;
          target.replaceWith(document.importNode(source, true));
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
  void SVG_NS;
})();
