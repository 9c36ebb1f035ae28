/* How Gradient's answer inputs talk back, shared by the practice and quiz pages: the live
   preview ("Read as" the parser's reading, or its message with a caret under the character it
   stopped at) and the per-part verdict after grading. Plain script, no build step; load it after
   api.js and before the page's own script.

   A part is the page's own object with at least {kind, options, input, preview, verdict,
   previewSequence}; `input` is null for choice parts, which have no preview. */
(function () {
  "use strict";

  var MATH_DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false },
  ];

  function clear(element) {
    while (element.firstChild) {
      element.removeChild(element.firstChild);
    }
  }

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) {
      element.className = className;
    }
    if (text !== undefined && text !== null) {
      element.textContent = text;
    }
    return element;
  }

  /* LaTeX kept in $...$ inside an element (feedback lines, worked solutions, hints). */
  function renderMath(element) {
    if (typeof window.renderMathInElement === "function") {
      window.renderMathInElement(element, { delimiters: MATH_DELIMITERS, throwOnError: false });
    }
  }

  function renderLatex(latex, element, display) {
    if (window.katex && typeof window.katex.render === "function") {
      window.katex.render(latex, element, { throwOnError: false, displayMode: Boolean(display) });
    } else {
      element.textContent = latex;
    }
  }

  /* ---------- live preview ---------- */

  /* The text as typed, with a caret under the character the parser stopped at. */
  function caretView(text, position) {
    var pre = make("pre", "caret-view");
    pre.setAttribute("aria-hidden", "true");
    var at = Math.max(0, Math.min(typeof position === "number" ? position : text.length, text.length));
    pre.appendChild(document.createTextNode(text + "\n" + " ".repeat(at)));
    pre.appendChild(make("span", "caret", "^"));
    return pre;
  }

  function clearPreview(part) {
    if (!part.preview) {
      return;
    }
    clear(part.preview);
    part.preview.classList.remove("has-error");
    if (part.input) {
      part.input.removeAttribute("aria-invalid");
    }
  }

  function showParseError(part, message, position, text) {
    if (!part.preview) {
      return;
    }
    clear(part.preview);
    part.preview.classList.add("has-error");
    var where =
      typeof position === "number" && !/position|character/i.test(message) ? " (at character " + (position + 1) + ")" : "";
    part.preview.appendChild(make("p", "parse-error", message + where));
    part.preview.appendChild(caretView(text, position));
    if (part.input) {
      part.input.setAttribute("aria-invalid", "true");
    }
  }

  function showReading(part, latex) {
    clearPreview(part);
    part.preview.appendChild(make("span", "read-as", "Read as"));
    var math = make("span", "preview-math");
    part.preview.appendChild(math);
    /* Display style, so fractions and exponents in the read-back are as large as in print. */
    renderLatex(latex, math, true);
  }

  /* Ask the server how it reads the part's text (parse only, never graded) and show it. Only
     the newest request of a part is shown. `describeFailure(response)`, when given, explains a
     preview the server could not give; without it the preview is left as it was. */
  function requestPreview(part, url, describeFailure) {
    var text = part.input.value;
    part.previewSequence = (part.previewSequence || 0) + 1;
    var mine = part.previewSequence;
    if (text.trim() === "") {
      clearPreview(part);
      return Promise.resolve();
    }
    var body = { kind: part.kind, text: text };
    if (part.options && Object.keys(part.options).length) {
      body.options = part.options;
    }
    return window.GradientApi.request("POST", url, body).then(function (response) {
      if (mine !== part.previewSequence) {
        return; /* a newer keystroke has its own preview on the way */
      }
      if (response && response.ok && response.data && typeof response.data.latex === "string") {
        showReading(part, response.data.latex);
      } else if (response && response.data && typeof response.data.error === "string") {
        showParseError(part, response.data.error, response.data.position, text);
      } else if (describeFailure) {
        clear(part.preview);
        part.preview.classList.add("has-error");
        part.preview.appendChild(make("p", "parse-error", "Preview unavailable: " + describeFailure(response)));
      }
    });
  }

  /* Parse errors the server sent back for answers it would not accept ({key: {message,
     position}}), shown on the parts; returns the first part with an input that has one. */
  function showParseErrors(parts, errors, answers) {
    var first = null;
    parts.forEach(function (part) {
      var error = errors[part.key];
      if (!error) {
        return;
      }
      var message = typeof error === "string" ? error : error.message;
      var position = typeof error === "object" ? error.position : null;
      if (part.preview) {
        showParseError(part, message, position, answers[part.key] || "");
      } else {
        showVerdict(part, { status: "invalid", message: message });
      }
      if (!first && part.input) {
        first = part;
      }
    });
    return first;
  }

  /* ---------- verdicts ---------- */

  function percent(score) {
    return Math.round((Number(score) || 0) * 100) + "%";
  }

  function feedbackLines(feedback) {
    if (!feedback) {
      return [];
    }
    return (Array.isArray(feedback) ? feedback : [feedback]).filter(function (line) {
      return typeof line === "string" && line.trim() !== "";
    });
  }

  function clearVerdict(part) {
    clear(part.verdict);
    part.verdict.className = "verdict";
  }

  /* One part's verdict ({status, correct, score, message, feedback}): a heading saying right or
     wrong, then the feedback lines that add something. */
  function showVerdict(part, verdict) {
    clearVerdict(part);
    if (!verdict) {
      return;
    }
    var heading;
    if (verdict.status === "invalid") {
      part.verdict.classList.add("incorrect");
      heading = "Could not read this answer.";
    } else if (verdict.status === "timeout") {
      part.verdict.classList.add("partial");
      heading = "This answer took too long to check. Try writing it more simply.";
    } else if (verdict.correct) {
      part.verdict.classList.add("correct");
      heading = "Correct.";
    } else if (Number(verdict.score) > 0) {
      part.verdict.classList.add("partial");
      heading = "Partly right: " + percent(verdict.score) + ".";
    } else {
      part.verdict.classList.add("incorrect");
      heading = "Not quite.";
    }
    part.verdict.appendChild(make("strong", "", heading));
    var lines = [];
    feedbackLines(verdict.feedback)
      .concat(feedbackLines(verdict.message))
      .forEach(function (line) {
        /* The heading already says right or wrong; keep only lines that add something. */
        if (!/^(not correct|incorrect|correct|right|wrong)\.?$/i.test(line.trim()) && lines.indexOf(line) === -1) {
          lines.push(line);
        }
      });
    if (lines.length) {
      var list = make("ul");
      lines.forEach(function (line) {
        list.appendChild(make("li", "", line));
      });
      part.verdict.appendChild(list);
      renderMath(list);
    }
  }

  /* The verdict was for the previous text: keep it readable but visibly out of date. */
  function markVerdictStale(part) {
    if (part.verdict && part.verdict.firstChild) {
      part.verdict.classList.add("stale");
    }
  }

  /* A part of the page's problem as the helpers here use it: its inputs, preview and verdict
     boxes inside `box`, and the state of its live preview. */
  function partOf(part, box) {
    return {
      key: part.key,
      kind: part.kind,
      options: part.options || {},
      box: box,
      input: box.querySelector("input[type=text]"),
      choiceInputs: Array.prototype.slice.call(box.querySelectorAll("input[type=radio], input[type=checkbox]")),
      preview: box.querySelector(".preview"),
      verdict: box.querySelector(".verdict"),
      timer: null,
      previewSequence: 0,
    };
  }

  /* What the student has given for a part: the typed text, or the picked choices (the choice
     checker reads several picks as labels separated by commas). */
  function answerOf(part) {
    if (part.input) {
      return part.input.value;
    }
    var chosen = part.choiceInputs
      .filter(function (input) {
        return input.checked;
      })
      .map(function (input) {
        return input.value;
      });
    return part.options.multiple ? chosen.join(", ") : chosen[0] || "";
  }

  window.GradientAnswers = {
    answerOf: answerOf,
    partOf: partOf,
    clear: clear,
    make: make,
    renderMath: renderMath,
    renderLatex: renderLatex,
    percent: percent,
    clearPreview: clearPreview,
    showParseError: showParseError,
    showParseErrors: showParseErrors,
    showReading: showReading,
    requestPreview: requestPreview,
    showVerdict: showVerdict,
    clearVerdict: clearVerdict,
    markVerdictStale: markVerdictStale,
  };
})();
