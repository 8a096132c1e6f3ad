// Rows a form may add and remove (the classify form's timetable). No inline script:
// the console works under a strict CSP; without JavaScript the blank rows still work.
document.addEventListener("click", function (event) {
  var add = event.target.closest("[data-add-row]");
  if (add) {
    var rows = add.closest("[data-rows]");
    var row = rows.querySelector("template").content.firstElementChild.cloneNode(true);
    rows.insertBefore(row, add);
    row.querySelector("input").focus();
    return;
  }
  var remove = event.target.closest("[data-remove-row]");
  if (remove) {
    var gone = remove.closest("[data-row]");
    var others = gone.parentNode.querySelectorAll("[data-row]").length;
    if (others > 1) { gone.remove(); } else { gone.querySelectorAll("input").forEach(function (i) { i.value = ""; }); }
  }
});
