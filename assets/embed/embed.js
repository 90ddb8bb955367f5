// The embeddable map (/embed, dashboard/web/embed.py): draw the figure the server wrote inline
// with the vendored plotly.js bundle, loaded just before this script. Nothing else runs: the
// frame has no controls, and a click on the map does nothing.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("embed-figure");
    var target = document.getElementById("embed-map");
    if (!holder || !target || !window.Plotly) {
      return;
    }
    var spec = JSON.parse(holder.textContent);
    window.Plotly.newPlot(target, spec.figure.data, spec.figure.layout, spec.config);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
