/* The template editor: CodeMirror on the TOML source; Validate marks each problem at its line;
 * Preview shows variants side by side (statement, answers, hints, worked solution) with a box to
 * try an answer against each; Publish stores a new version. Talks to /api/v1/authoring/. */
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) {
    return;
  }
  var textarea = document.getElementById("source");
  var statusLine = document.getElementById("editor-status");
  var problemList = document.getElementById("problems");
  var previews = document.getElementById("previews");
  var marked = [];
  var editor = window.CodeMirror.fromTextArea(textarea, {
    mode: "toml",
    lineNumbers: true,
    lineWrapping: true,
    indentUnit: 2,
    viewportMargin: Infinity,
  });
  form.editor = editor;
  var publishedText = editor.getValue();
  window.addEventListener("beforeunload", function (event) {
    if (editor.getValue() !== publishedText) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  var mathOptions = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  };

  function renderMath(element) {
    if (typeof window.renderMathInElement === "function") {
      window.renderMathInElement(element, mathOptions);
    }
  }

  function csrfToken() {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "status-line" + (kind ? " " + kind : "");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function clearMarks() {
    marked.forEach(function (mark) {
      if (mark.widget) {
        mark.widget.clear();
      }
      editor.removeLineClass(mark.handle, "background", "cm-problem-line");
    });
    marked = [];
    problemList.textContent = "";
  }

  function showProblems(problems) {
    clearMarks();
    problems.forEach(function (problem) {
      var item = element("li", "problem");
      var where = problem.line ? "Line " + problem.line : "Template";
      var seed = problem.seed !== null && problem.seed !== undefined ? " (seed " + problem.seed + ")" : "";
      if (problem.line) {
        var link = element("button", "link-button", where);
        link.type = "button";
        link.addEventListener("click", function () {
          editor.focus();
          editor.setCursor({ line: problem.line - 1, ch: 0 });
          editor.scrollIntoView({ line: problem.line - 1, ch: 0 }, 80);
        });
        item.appendChild(link);
        item.appendChild(document.createTextNode(": " + problem.message + seed));
        var index = Math.min(problem.line - 1, editor.lineCount() - 1);
        var handle = editor.addLineClass(index, "background", "cm-problem-line");
        var note = element("div", "cm-problem-note", problem.message + seed);
        note.setAttribute("data-line", problem.line);
        var widget = editor.addLineWidget(index, note, { coverGutter: false });
        marked.push({ handle: handle, widget: widget });
      } else {
        item.textContent = where + ": " + problem.message + seed;
      }
      problemList.appendChild(item);
    });
  }

  function failed(result) {
    var detail = result.data && (result.data.detail || JSON.stringify(result.data));
    setStatus("The server refused the request: " + detail, "bad");
  }

  document.getElementById("validate").addEventListener("click", function () {
    setStatus("Checking…");
    post(form.dataset.checkUrl, { source: editor.getValue(), template: form.dataset.template })
      .then(function (result) {
        if (result.status !== 200) {
          return failed(result);
        }
        showProblems(result.data.problems);
        if (result.data.ok) {
          setStatus("No problems found.", "good");
        } else {
          var count = result.data.problems.length;
          setStatus(count + " problem" + (count === 1 ? "" : "s") + " found.", "bad");
        }
      })
      .catch(function () {
        setStatus("Could not reach the server.", "bad");
      });
  });

  function tryBox(seed, part) {
    var box = element("form", "try-answer");
    var id = "try-" + seed + "-" + part.key;
    var label = element("label", "visually-hidden", "Try an answer for part " + part.key);
    label.htmlFor = id;
    var input = element("input");
    input.type = "text";
    input.id = id;
    input.placeholder = "Try an answer";
    input.autocomplete = "off";
    input.spellcheck = false;
    var button = element("button", "button secondary", "Try");
    button.type = "submit";
    var verdict = element("div", "verdict");
    verdict.setAttribute("aria-live", "polite");
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(button);
    box.appendChild(verdict);
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      verdict.textContent = "Grading…";
      verdict.className = "verdict";
      post(form.dataset.tryUrl, {
        source: editor.getValue(),
        seed: seed,
        part: part.key,
        answer: input.value,
      }).then(function (result) {
        if (result.status !== 200) {
          return failed(result);
        }
        var data = result.data;
        verdict.textContent = "";
        var headline = data.status !== "graded" ? data.status : data.correct ? "Correct" : "Incorrect";
        verdict.className = "verdict " + (data.correct ? "correct" : "incorrect");
        verdict.appendChild(element("strong", "", headline));
        if (data.latex) {
          verdict.appendChild(document.createTextNode(" read as "));
          verdict.appendChild(element("span", "", "$" + data.latex + "$"));
        }
        var notes = (data.feedback || []).slice();
        // A graded right answer's message only repeats the headline.
        if (data.message && !data.correct) {
          notes.unshift(data.message);
        }
        if (notes.length) {
          var list = element("ul");
          notes.forEach(function (note) {
            list.appendChild(element("li", "", note));
          });
          verdict.appendChild(list);
        }
        renderMath(verdict);
      });
    });
    return box;
  }

  function htmlBlock(className, html) {
    // Rendered by the content engine from the template with values escaped; staff-only page.
    var block = element("div", className);
    block.innerHTML = html;
    return block;
  }

  function variantCard(variant) {
    var card = element("article", "card variant-card");
    card.setAttribute("data-seed", variant.seed);
    card.appendChild(element("h3", "", "Seed " + variant.seed));
    if (variant.error) {
      card.classList.add("broken");
      var line = variant.error.line ? "Line " + variant.error.line + ": " : "";
      card.appendChild(element("p", "bad", line + variant.error.message));
      return card;
    }
    card.appendChild(htmlBlock("statement", variant.statement_html));
    variant.parts.forEach(function (part) {
      var section = element("div", "part");
      section.appendChild(htmlBlock("part-prompt", part.prompt_html));
      var answer = element("p", "answer");
      answer.appendChild(element("span", "muted", "Answer: "));
      answer.appendChild(element("span", "", "$" + part.answer_latex + "$"));
      answer.appendChild(element("code", "answer-text", part.answer));
      section.appendChild(answer);
      if (part.mistakes.length) {
        var mistakes = element("ul", "mistakes");
        part.mistakes.forEach(function (mistake) {
          var item = element("li");
          item.appendChild(element("code", "", mistake.answer));
          item.appendChild(document.createTextNode(" → "));
          item.appendChild(element("span", "", mistake.feedback));
          mistakes.appendChild(item);
        });
        section.appendChild(mistakes);
      }
      section.appendChild(tryBox(variant.seed, part));
      card.appendChild(section);
    });
    if (variant.hints_html.length) {
      var hints = element("details", "hints");
      hints.appendChild(element("summary", "", "Hints (" + variant.hints_html.length + ")"));
      var list = element("ol");
      variant.hints_html.forEach(function (hint) {
        var item = element("li");
        item.innerHTML = hint;
        list.appendChild(item);
      });
      hints.appendChild(list);
      card.appendChild(hints);
    }
    var solution = element("details", "solution");
    solution.open = true;
    solution.appendChild(element("summary", "", "Worked solution"));
    solution.appendChild(htmlBlock("solution-body", variant.solution_html));
    card.appendChild(solution);
    return card;
  }

  document.getElementById("preview").addEventListener("click", function () {
    setStatus("Generating variants…");
    post(form.dataset.previewUrl, {
      source: editor.getValue(),
      count: parseInt(document.getElementById("variant-count").value, 10),
      first_seed: parseInt(document.getElementById("first-seed").value, 10) || 0,
    }).then(function (result) {
      if (result.status !== 200) {
        return failed(result);
      }
      showProblems(result.data.problems);
      previews.textContent = "";
      result.data.variants.forEach(function (variant) {
        previews.appendChild(variantCard(variant));
      });
      renderMath(previews);
      if (result.data.problems.length) {
        setStatus("The source has problems; see the marked lines.", "bad");
      } else {
        setStatus(result.data.variants.length + " variants shown below.", "good");
      }
    });
  });

  document.getElementById("publish").addEventListener("click", function () {
    setStatus("Checking and publishing…");
    post(form.dataset.publishUrl, { source: editor.getValue() }).then(function (result) {
      if (result.status === 400 && result.data.problems) {
        showProblems(result.data.problems);
        setStatus("Not published: fix the marked problems first.", "bad");
        return;
      }
      if (result.status !== 200 && result.status !== 201) {
        return failed(result);
      }
      clearMarks();
      publishedText = editor.getValue();
      document.getElementById("current-version").textContent = "version " + result.data.number;
      if (result.data.created) {
        setStatus("Published version " + result.data.number + ".", "good");
      } else {
        setStatus("Nothing changed: version " + result.data.number + " is current.", "good");
      }
    });
  });
})();
