// The map's hover read-out; clicking a province is a plain link (the page works without this script).
(function () {
  "use strict";
  var info = document.getElementById("map-info");
  if (!info) { return; }
  var provinces = document.querySelectorAll("#map .province");
  provinces.forEach(function (path) {
    path.addEventListener("mouseenter", function () {
      var d = path.dataset;
      info.textContent = d.name + " – " + d.status + ": " + d.green + "/" + d.communes + " (" + d.greenPct + " %)";
    });
    path.addEventListener("mouseleave", function () { info.textContent = ""; });
  });
})();
