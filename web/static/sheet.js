// The sheet's 打印 button (no inline script: the page works under a strict CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
