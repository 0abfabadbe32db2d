// One way to hand a Blob to the browser as a file: the network's PNG/SVG export and the
// query editor's CSV/JSON/XLSX/Turtle downloads both call it.
(function () {
  "use strict";
  window.plankgSave = function (blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    // the click starts the download asynchronously: revoking at once can cancel it
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  };
})();
