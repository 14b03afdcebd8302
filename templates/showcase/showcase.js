// Filters and search of the showcase index. No network, works from file://.
(function () {
  "use strict";
  var q = document.getElementById("q");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-facet]"));
  var cards = Array.prototype.slice.call(document.querySelectorAll("#cards .card"));
  var shown = document.getElementById("shown");
  function apply() {
    var text = (q.value || "").toLowerCase().trim();
    var n = 0;
    cards.forEach(function (card) {
      var ok = selects.every(function (s) { return !s.value || card.dataset[s.dataset.facet] === s.value; });
      if (ok && text) { ok = card.dataset.search.indexOf(text) !== -1; }
      card.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  q.addEventListener("input", apply);
  selects.forEach(function (s) { s.addEventListener("change", apply); });
})();
