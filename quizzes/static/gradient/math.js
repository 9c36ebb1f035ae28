/* Renders the LaTeX kept in `$...$` / `$$...$$` inside every `.render-math` element with the
 * vendored KaTeX. The practice page renders its own parts as they change (practice.js). */
(function () {
  "use strict";
  if (typeof window.renderMathInElement !== "function") {
    return;
  }
  var options = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  };
  Array.prototype.forEach.call(document.querySelectorAll(".render-math"), function (element) {
    window.renderMathInElement(element, options);
  });
})();
