// Reader: a sticky bar keeps the paragraph number and its heading or impact area
// in view ("¶56 · Ending violence") wherever the reader lands or scrolls, and
// offers a way back to the page the reader came from.
(function () {
  "use strict";
  var bar = document.getElementById("reader-context");
  var where = document.getElementById("reader-where");
  if (!bar || !where) return;
  var marks = Array.prototype.slice.call(document.querySelectorAll(".reader [data-context]"));
  var pattern = bar.getAttribute("data-para") || "¶{n}";

  function describe(el) {
    var num = el.getAttribute("data-num");
    var context = el.getAttribute("data-context") || "";
    var head = num ? pattern.replace("{n}", num) : "";
    return head && context ? head + " · " + context : head || context;
  }

  // the last paragraph or heading whose top has passed under the bar
  function current() {
    var line = bar.getBoundingClientRect().bottom + 24;
    var lo = 0, hi = marks.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (marks[mid].getBoundingClientRect().top <= line) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found >= 0 ? marks[found] : null;
  }

  var pending = false;
  function update() {
    pending = false;
    var el = current();
    var text = el ? describe(el) : "";
    if (where.textContent !== text) where.textContent = text;
    bar.classList.toggle("active", !!text);
  }
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(update); }
  }

  // a deep link (#p56, #para-56-item-2) names its own paragraph even before any scroll
  function landed() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    var unit = target && target.closest("[data-context]");
    if (unit) {
      unit.classList.add("landed");
      where.textContent = describe(unit);
      bar.classList.add("active");
    }
  }

  var back = document.getElementById("reader-back");
  if (back && back.hidden && document.referrer) {
    try {
      var from = new URL(document.referrer);
      if (from.origin === window.location.origin && from.pathname !== "/read") {
        back.href = from.pathname + from.search;
        back.hidden = false;
      }
    } catch (e) { /* an unparsable referrer: no back link */ }
  }

  window.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  window.addEventListener("hashchange", function () {
    document.querySelectorAll(".landed").forEach(function (el) { el.classList.remove("landed"); });
    landed();
  });
  landed();
  schedule();
})();
