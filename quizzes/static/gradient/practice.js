/* Gradient practice page: live preview, submit and wait for the verdict, hints, worked solution.
 *
 * Plain script, no build step. The page is rendered by the server (statement, prompts, inputs);
 * this script only adds behaviour, reading the problem's state from #problem-data. The preview,
 * the verdicts (answers.js) and the wait for grading (api.js) are shared with the quiz page.
 * Everything the student types stays in the inputs and, until it is graded, in localStorage.
 */
(function () {
  "use strict";

  var dataNode = document.getElementById("problem-data");
  var form = document.getElementById("answer-form");
  if (!dataNode || !form) {
    return;
  }
  var problem = JSON.parse(dataNode.textContent);
  var api = problem.urls;
  var answersUi = window.GradientAnswers;
  var clear = answersUi.clear;
  var make = answersUi.make;
  var renderMath = answersUi.renderMath;
  var renderLatex = answersUi.renderLatex;
  var percent = answersUi.percent;
  var PREVIEW_DELAY_MS = 250;
  var draftKey = "gradient:draft:" + problem.id;

  var submitButton = document.getElementById("submit-button");
  var hintButton = document.getElementById("hint-button");
  var statusLine = document.getElementById("status");
  var resultBox = document.getElementById("result");
  var hintsBox = document.getElementById("hints");
  var solutionBox = document.getElementById("solution");
  var afterBox = document.getElementById("after");
  var anotherButton = document.getElementById("another-button");
  var attemptsBox = document.getElementById("attempts");

  /* ---------- small tools ---------- */

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  /* What went wrong with a request, and what the student can do about it. */
  function describeFailure(response) {
    if (!response) {
      return "Could not reach the server. Check your connection and try again; your answers are kept.";
    }
    var detail = response.data && typeof response.data.detail === "string" ? response.data.detail : "";
    if (response.status === 401 || (response.status === 403 && /credential|CSRF|authenticat/i.test(detail))) {
      return "Your session has ended. Log in again in another tab, then try again; your answers are kept on this device.";
    }
    if (response.status === 409 && detail) {
      return detail + " Press “Another one like this” or go to the next problem.";
    }
    if (response.status === 404) {
      return "This problem is no longer available. Go to the dashboard to pick another one.";
    }
    if (response.status === 429) {
      return "Too many requests in a short time. Wait a few seconds and try again.";
    }
    if (detail) {
      return detail;
    }
    return "The server could not handle that (error " + response.status + "). Try again in a moment; your answers are kept.";
  }

  function request(method, url, body, extraHeaders) {
    return window.GradientApi.request(method, url, body, { headers: extraHeaders });
  }

  function setStatus(text, options) {
    clear(statusLine);
    statusLine.classList.toggle("error", Boolean(options && options.error));
    if (!text) {
      return;
    }
    if (options && options.busy) {
      var spinner = make("span", "spinner");
      spinner.setAttribute("aria-hidden", "true");
      statusLine.appendChild(spinner);
    }
    statusLine.appendChild(make("span", "", text));
  }

  /* ---------- parts, inputs and drafts ---------- */

  var parts = problem.parts.map(function (part) {
    var box = form.querySelector('[data-part-key="' + CSS.escape(part.key) + '"]');
    return answersUi.partOf(part, box);
  });

  function collectAnswers() {
    var answers = {};
    parts.forEach(function (part) {
      answers[part.key] = answersUi.answerOf(part);
    });
    return answers;
  }

  function readDrafts() {
    try {
      return JSON.parse(window.localStorage.getItem(draftKey) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function saveDrafts() {
    try {
      window.localStorage.setItem(draftKey, JSON.stringify(collectAnswers()));
    } catch (error) {
      /* Storage full or disabled: the inputs still hold the text. */
    }
  }

  function dropDrafts() {
    try {
      window.localStorage.removeItem(draftKey);
    } catch (error) {
      /* Nothing stored. */
    }
  }

  /* Drafts win; otherwise the answers of the latest submission, so a reload shows what was graded. */
  function restoreDrafts(latest) {
    var drafts = readDrafts();
    if (!Object.keys(drafts).length && latest && latest.answers) {
      drafts = latest.answers;
    }
    parts.forEach(function (part) {
      var text = drafts[part.key];
      if (typeof text !== "string" || text === "") {
        return;
      }
      if (part.input && part.input.value === "") {
        part.input.value = text;
      }
      part.choiceInputs.forEach(function (input) {
        var chosen = text.split(/\s*,\s*/);
        input.checked = chosen.indexOf(input.value) !== -1;
      });
    });
  }

  /* ---------- live preview ---------- */

  function requestPreview(part) {
    return answersUi.requestPreview(part, api.preview, describeFailure);
  }

  parts.forEach(function (part) {
    if (part.input) {
      part.input.addEventListener("input", function () {
        saveDrafts();
        if (statusLine.classList.contains("error")) {
          setStatus("");
        }
        if (part.verdict.classList.contains("empty-answer")) {
          clear(part.verdict);
          part.verdict.className = "verdict";
        } else {
          answersUi.markVerdictStale(part);
        }
        window.clearTimeout(part.timer);
        part.timer = window.setTimeout(function () {
          requestPreview(part);
        }, PREVIEW_DELAY_MS);
      });
    }
    part.choiceInputs.forEach(function (input) {
      input.addEventListener("change", function () {
        saveDrafts();
        if (part.verdict.classList.contains("empty-answer")) {
          clear(part.verdict);
          part.verdict.className = "verdict";
        }
      });
    });
  });

  /* ---------- verdicts ---------- */

  function showSubmission(submission) {
    var partVerdicts = submission.parts || {};
    parts.forEach(function (part) {
      answersUi.showVerdict(part, partVerdicts[part.key]);
    });
    clear(resultBox);
    resultBox.hidden = false;
    if (submission.status === "graded") {
      var allCorrect = Number(submission.score) >= 1;
      resultBox.appendChild(make("p", "score", "Score: " + percent(submission.score)));
      resultBox.appendChild(
        make(
          "p",
          "muted",
          allCorrect
            ? "Well done. Read the worked solution or try another one."
            : "Change your answer and check it again, or open the worked solution below."
        )
      );
    } else if (submission.status === "failed") {
      resultBox.appendChild(
        make("p", "score", "We could not grade this submission. It did not count; please submit it again.")
      );
    } else if (submission.status === "timeout") {
      resultBox.appendChild(
        make("p", "score", "Checking took too long. Simplify the answer (expand fewer powers, fewer nested functions) and submit again.")
      );
    } else if (submission.status === "invalid") {
      resultBox.appendChild(make("p", "score", "Some parts could not be read; see the messages next to them."));
    }
    if (attemptsUsed >= maxAttempts && Number(submission.score) < 1) {
      resultBox.appendChild(
        make("p", "muted", "You have used every attempt at this problem. Read the worked solution, then try another one like it.")
      );
    }
  }

  function showAttempts(submissions) {
    if (!attemptsBox || !submissions || !submissions.length) {
      return;
    }
    var list = attemptsBox.querySelector("ol");
    clear(list);
    submissions.forEach(function (submission, index) {
      var text = "Attempt " + (submission.attempt || index + 1) + ": " + submission.status;
      if (submission.status === "graded") {
        text += ", score " + percent(submission.score);
      }
      list.appendChild(make("li", "", text));
    });
    attemptsBox.hidden = false;
  }

  /* ---------- worked solution and what next ---------- */

  function showSolution(solution, open) {
    if (!solution) {
      return;
    }
    var body = solutionBox.querySelector(".solution-body");
    clear(body);
    var html = typeof solution === "string" ? solution : solution.html || solution.solution_html || "";
    /* The worked solution is the content engine's own sanitized HTML, never student text. */
    body.innerHTML = html;
    var answers = typeof solution === "object" ? solution.answers : null;
    if (answers && typeof answers === "object") {
      var list = make("ul", "solution-answers");
      Object.keys(answers).forEach(function (key) {
        var answer = answers[key];
        var item = make("li");
        item.appendChild(make("strong", "", key + ": "));
        var latex = typeof answer === "object" && answer ? answer.latex || answer.answer_latex : null;
        var text = typeof answer === "object" && answer ? answer.text || answer.answer : answer;
        if (latex) {
          var math = make("span");
          renderLatex(latex, math);
          item.appendChild(math);
        } else {
          item.appendChild(document.createTextNode(String(text)));
        }
        list.appendChild(item);
      });
      body.appendChild(list);
    }
    renderMath(body);
    solutionBox.hidden = false;
    if (open) {
      solutionBox.open = true;
    }
    afterBox.hidden = false;
  }

  function refreshProblem(openSolution) {
    return request("GET", api.problem).then(function (response) {
      if (response && response.ok && response.data) {
        showSolution(response.data.solution, openSolution);
        showAttempts(response.data.submissions);
      }
    });
  }

  /* ---------- submit and poll ---------- */

  var pendingKey = null;
  var pendingAnswers = null;
  var busy = false;

  var attemptsUsed = Number(problem.attempts_used) || 0;
  var maxAttempts = Number(problem.max_attempts) || Infinity;

  function setBusy(value) {
    busy = value;
    submitButton.disabled = value || attemptsUsed >= maxAttempts;
    submitButton.setAttribute("aria-busy", value ? "true" : "false");
  }

  function showInvalid(errors, answers) {
    var first = answersUi.showParseErrors(parts, errors, answers);
    if (first) {
      first.input.focus();
    }
  }

  function poll(url) {
    return window.GradientApi.waitForSubmission(url, {
      describe: describeFailure,
      tooLong: "Grading is taking longer than usual. Your submission is saved; reload this page in a minute to see the result.",
      onWaiting: function (seconds) {
        setStatus("Grading… " + seconds + " s (hard answers take longer)", { busy: true });
      },
    });
  }

  function submitUrl(submissionId) {
    return api.submission.replace("__id__", encodeURIComponent(submissionId));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    var answers = collectAnswers();
    var missing = parts.filter(function (part) {
      return answers[part.key].trim() === "";
    });
    if (missing.length) {
      setStatus(
        missing.length === 1 && parts.length > 1
          ? "One part is still empty: answer it, then check again."
          : "Answer every part before checking; the empty ones are marked.",
        { error: true }
      );
      missing.forEach(function (part) {
        clear(part.verdict);
        part.verdict.className = "verdict incorrect empty-answer";
        part.verdict.appendChild(make("strong", "", "Enter an answer here."));
      });
      if (missing[0].input) {
        missing[0].input.focus();
      }
      return;
    }
    saveDrafts();
    var serialized = JSON.stringify(answers);
    /* A retry of the very same answers after a lost response reuses its key, so it counts once. */
    if (serialized !== pendingAnswers) {
      pendingKey = newKey();
      pendingAnswers = serialized;
    }
    setBusy(true);
    setStatus("Grading…", { busy: true });
    request("POST", api.submit, { answers: answers }, { "Idempotency-Key": pendingKey })
      .then(function (response) {
        if (response && response.status === 400 && response.data && response.data.errors) {
          pendingAnswers = null;
          setStatus("Some parts could not be read. Fix the marked spots; this did not use up an attempt.", { error: true });
          showInvalid(response.data.errors, answers);
          return null;
        }
        if (!response || !response.ok || !response.data || response.data.id === undefined) {
          throw new Error(describeFailure(response));
        }
        if (response.status === 202) {
          attemptsUsed += 1;
          var counter = document.getElementById("attempts-used");
          if (counter) {
            counter.textContent = String(attemptsUsed);
          }
        }
        return poll(submitUrl(response.data.id)).then(function (submission) {
          pendingAnswers = null;
          showSubmission(submission);
          if (submission.status === "graded") {
            dropDrafts();
            setStatus("");
            return refreshProblem(Number(submission.score) >= 1);
          }
          setStatus("");
          return null;
        });
      })
      .catch(function (error) {
        setStatus(error.message, { error: true });
      })
      .then(function () {
        setBusy(false);
      });
  });

  /* ---------- hints ---------- */

  function showHints(hints, remaining) {
    var list = hintsBox.querySelector("ol");
    clear(list);
    (hints || []).forEach(function (html) {
      var item = make("li");
      /* Hints are the content engine's sanitized HTML (LaTeX kept for KaTeX). */
      item.innerHTML = html;
      list.appendChild(item);
    });
    hintsBox.hidden = !(hints && hints.length);
    renderMath(list);
    if (hintButton) {
      var left = Number(remaining) || 0;
      hintButton.disabled = left <= 0;
      var shown = (hints || []).length;
      hintButton.textContent =
        left > 0 ? "Show a hint (" + left + " left)" : shown ? "No more hints" : "No hints for this problem";
    }
  }

  if (hintButton) {
    hintButton.addEventListener("click", function () {
      hintButton.disabled = true;
      request("POST", api.hints, {}).then(function (response) {
        if (response && response.ok && response.data) {
          showHints(response.data.hints, response.data.remaining);
          var items = hintsBox.querySelectorAll("li");
          if (items.length) {
            items[items.length - 1].setAttribute("tabindex", "-1");
            items[items.length - 1].focus();
          }
        } else {
          hintButton.disabled = false;
          setStatus(describeFailure(response), { error: true });
        }
      });
    });
  }

  /* ---------- another one like this ---------- */

  if (anotherButton) {
    anotherButton.addEventListener("click", function () {
      anotherButton.disabled = true;
      request("POST", api.another, {}).then(function (response) {
        if (response && response.ok && response.data && response.data.id !== undefined) {
          if (response.data.reason) {
            window.sessionStorage.setItem("gradient:reason:" + response.data.id, response.data.reason);
          }
          window.location.assign(api.page.replace("__id__", encodeURIComponent(response.data.id)));
        } else {
          anotherButton.disabled = false;
          setStatus(describeFailure(response), { error: true });
        }
      });
    });
  }

  /* ---------- start ---------- */

  var last = problem.submissions && problem.submissions[problem.submissions.length - 1];
  restoreDrafts(last);
  parts.forEach(function (part) {
    if (part.input && part.input.value.trim() !== "") {
      requestPreview(part);
    }
  });
  showHints(problem.hints, problem.hints_remaining);
  showAttempts(problem.submissions);
  if (last && window.GradientApi.isFinished(last) && last.parts) {
    showSubmission(last);
  } else if (last && !window.GradientApi.isFinished(last)) {
    setBusy(true);
    setStatus("Grading…", { busy: true });
    poll(submitUrl(last.id))
      .then(function (submission) {
        showSubmission(submission);
        setStatus("");
        return submission.status === "graded" ? refreshProblem(Number(submission.score) >= 1) : null;
      })
      .catch(function (error) {
        setStatus(error.message, { error: true });
      })
      .then(function () {
        setBusy(false);
      });
  }
  if (problem.solution) {
    showSolution(problem.solution, false);
  }
  var reasonKey = "gradient:reason:" + problem.id;
  var reason = window.sessionStorage.getItem(reasonKey);
  var reasonBox = document.getElementById("reason");
  if (reason && reasonBox && !reasonBox.textContent.trim()) {
    reasonBox.textContent = reason;
    reasonBox.hidden = false;
  }
  renderMath(document.getElementById("problem"));
  renderMath(form);
})();
