/* Gradient quiz pages. The taking page: the server's timer, moving between questions, autosave
 * while typing, live preview per input, a per-question check when the quiz releases feedback
 * immediately, and the final submit with a summary of unanswered questions. The instructor's
 * quiz page: regrades followed until they finish.
 *
 * Nothing typed is lost: every change goes to localStorage at once and to the server after a
 * short pause (and at once on blur, tab switch or page close). Each save carries a sequence that
 * only grows, so the server keeps the newest text whatever order saves arrive in; a save that
 * failed is resent until it lands, and a reload resends whatever the server has not confirmed.
 * A check saves the question too (same sequence), then waits for the verdict on the same
 * long-poll as practice; the preview and the verdicts are drawn by answers.js. */
(function () {
  "use strict";

  var SAVE_DELAY_MS = 500;
  var PREVIEW_DELAY_MS = 400;
  var RETRY_MS = 2000;
  var SYNC_MS = 30000;

  var dataElement = document.getElementById("quiz-data");
  var form = document.getElementById("quiz-form");
  if (!dataElement || !form) {
    return;
  }
  var data = JSON.parse(dataElement.textContent);
  var answersUi = window.GradientAnswers;
  var storageKey = "gradient-quiz-" + data.attempt;
  var statusLine = document.getElementById("save-status");
  var timerElement = document.getElementById("quiz-timer");
  var submitting = false;
  var closed = false;

  function request(method, url, body, keepalive) {
    return window.GradientApi.request(method, url, body, { keepalive: keepalive });
  }

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  /* ---------- local copy ---------- */

  function readLocal() {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function writeLocal() {
    var copy = {};
    questions.forEach(function (question) {
      copy[question.position] = { answers: question.answers, sequence: question.sequence, acked: question.acked };
    });
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(copy));
    } catch (error) {
      /* storage full or disabled: the server copy still holds every save that landed */
    }
  }

  /* ---------- questions and inputs ---------- */

  var questions = data.questions.map(function (question) {
    var section = form.querySelector('.quiz-question[data-position="' + question.position + '"]');
    var parts = question.parts.map(function (part) {
      var box = section.querySelector('[data-part-key="' + CSS.escape(part.key) + '"]');
      return answersUi.partOf(part, box);
    });
    return {
      position: question.position,
      section: section,
      parts: parts,
      answers: Object.assign({}, question.answers || {}),
      sequence: question.sequence || 0,
      acked: question.sequence || 0,
      timer: null,
      inFlight: false,
      check: question.check || null,
      checkButton: document.getElementById("check-" + question.position),
      checkStatus: document.getElementById("check-status-" + question.position),
      checking: false,
      checkedAnswers: null,
    };
  });

  function setAnswer(part, text) {
    if (part.input) {
      part.input.value = text;
      return;
    }
    var picked = String(text || "")
      .split(",")
      .map(function (value) {
        return value.trim();
      });
    part.choiceInputs.forEach(function (input) {
      input.checked = picked.indexOf(input.value) !== -1;
    });
  }

  function isAnswered(question) {
    return question.parts.some(function (part) {
      return String(question.answers[part.key] || "").trim() !== "";
    });
  }

  function markNav() {
    questions.forEach(function (question) {
      var button = document.getElementById("goto-" + question.position);
      if (button) {
        button.classList.toggle("answered", isAnswered(question));
        button.setAttribute("aria-label", "Question " + question.position + (isAnswered(question) ? ", answered" : ", not answered"));
      }
    });
  }

  /* ---------- autosave ---------- */

  function nextSequence(question) {
    return Math.max(Date.now(), question.sequence + 1);
  }

  function pending() {
    return questions.filter(function (question) {
      return question.sequence > question.acked;
    });
  }

  function showSaveState() {
    var waiting = pending().length;
    if (closed) {
      return;
    }
    if (waiting === 0) {
      setStatus("All answers saved.");
    } else {
      setStatus("Saving…");
    }
  }

  function save(question, keepalive) {
    window.clearTimeout(question.timer);
    if (closed || question.sequence <= question.acked) {
      return Promise.resolve(true);
    }
    if (question.inFlight && !keepalive) {
      /* one request at a time per question; the newest text goes when this one returns */
      question.timer = window.setTimeout(function () {
        save(question);
      }, SAVE_DELAY_MS);
      return Promise.resolve(false);
    }
    var sequence = question.sequence;
    var body = { answers: Object.assign({}, question.answers), sequence: sequence };
    question.inFlight = true;
    var url = data.urls.save.replace("__position__", String(question.position));
    return request("PUT", url, body, keepalive).then(function (response) {
      question.inFlight = false;
      if (response && response.ok && response.data) {
        question.acked = Math.max(question.acked, sequence, response.data.sequence || 0);
        if (typeof response.data.seconds_left === "number") {
          setDeadline(response.data.seconds_left);
        }
        writeLocal();
        showSaveState();
        return true;
      }
      if (response && response.status === 409) {
        finish("Time is up: your saved answers were submitted.");
        return false;
      }
      if (response && response.status === 400) {
        setStatus("An answer could not be saved: " + JSON.stringify(response.data), true);
        return false;
      }
      setStatus("Offline or server busy — answers are kept on this device and will be sent.", true);
      question.timer = window.setTimeout(function () {
        save(question);
      }, RETRY_MS);
      return false;
    });
  }

  function flushAll(keepalive) {
    return Promise.all(
      pending().map(function (question) {
        return save(question, keepalive);
      })
    );
  }

  function changed(question) {
    question.parts.forEach(function (part) {
      question.answers[part.key] = answersUi.answerOf(part);
    });
    question.sequence = nextSequence(question);
    writeLocal();
    markNav();
    markChecksStale(question);
    setStatus("Saving…");
    window.clearTimeout(question.timer);
    question.timer = window.setTimeout(function () {
      save(question);
    }, SAVE_DELAY_MS);
  }

  /* ---------- live preview ---------- */

  function requestPreview(part) {
    return answersUi.requestPreview(part, data.urls.preview);
  }

  /* ---------- checking a question ---------- */

  function sameAnswers(question, checked) {
    if (!checked) {
      return false;
    }
    return question.parts.every(function (part) {
      return String(question.answers[part.key] || "") === String(checked[part.key] || "");
    });
  }

  function markChecksStale(question) {
    if (question.checkedAnswers && !sameAnswers(question, question.checkedAnswers)) {
      question.parts.forEach(answersUi.markVerdictStale);
    }
  }

  function setCheckStatus(question, text, options) {
    var line = question.checkStatus;
    if (!line) {
      return;
    }
    answersUi.clear(line);
    line.classList.toggle("error", Boolean(options && options.error));
    if (options && options.busy) {
      var spinner = answersUi.make("span", "spinner");
      spinner.setAttribute("aria-hidden", "true");
      line.appendChild(spinner);
    }
    line.appendChild(answersUi.make("span", "", text));
  }

  function checksLeftText(question) {
    var left = question.check ? Number(question.check.left) || 0 : 0;
    if (left <= 0) {
      return "No checks left for this question; it is graded when you submit.";
    }
    return left + (left === 1 ? " check" : " checks") + " left for this question.";
  }

  function updateCheckButton(question) {
    if (question.checkButton) {
      question.checkButton.disabled = closed || question.checking || !question.check || question.check.left <= 0;
      question.checkButton.setAttribute("aria-busy", question.checking ? "true" : "false");
    }
  }

  function describeCheckFailure(response) {
    if (!response) {
      return "Could not reach the server. Your answers are kept; check again in a moment.";
    }
    var detail = response.data && typeof response.data.detail === "string" ? response.data.detail : "";
    if (response.status === 401 || (response.status === 403 && /credential|CSRF|authenticat/i.test(detail))) {
      return "Your session has ended. Log in again in another tab; your answers are kept on this device.";
    }
    if (response.status === 429) {
      return "Too many checks in a short time. Wait a few seconds and check again.";
    }
    return detail || "The server could not check this question (error " + response.status + "). Try again in a moment.";
  }

  function showCheckResult(question, submission) {
    var verdicts = submission.parts || {};
    question.parts.forEach(function (part) {
      answersUi.showVerdict(part, verdicts[part.key]);
    });
    question.checkedAnswers = submission.answers || question.checkedAnswers;
    markChecksStale(question);
    var summary;
    if (submission.status === "graded") {
      summary = "Checked: " + answersUi.percent(submission.score) + ". ";
    } else if (submission.status === "invalid") {
      summary = "Some parts could not be read; this check was not counted. ";
    } else {
      summary = "This check could not be graded and was not counted. ";
    }
    setCheckStatus(question, summary + checksLeftText(question));
  }

  function waitForCheck(question, submissionId) {
    question.checking = true;
    updateCheckButton(question);
    setCheckStatus(question, "Grading…", { busy: true });
    var url = data.urls.submission.replace("__id__", encodeURIComponent(submissionId));
    return window.GradientApi.waitForSubmission(url, {
      describe: describeCheckFailure,
      tooLong: "Grading is taking longer than usual. Your answers are saved; the verdict shows when you reload.",
      onWaiting: function (seconds) {
        setCheckStatus(question, "Grading… " + seconds + " s", { busy: true });
      },
    })
      .then(function (submission) {
        if (submission.status !== "graded" && question.check) {
          /* unreadable or failed on the workers: the check was given back */
          question.check.left = Math.min(question.check.allowed, question.check.left + 1);
        }
        showCheckResult(question, submission);
      })
      .catch(function (error) {
        setCheckStatus(question, error.message, { error: true });
      })
      .then(function () {
        question.checking = false;
        updateCheckButton(question);
      });
  }

  function checkQuestion(question) {
    if (question.checking || closed || !question.check) {
      return;
    }
    question.parts.forEach(function (part) {
      question.answers[part.key] = answersUi.answerOf(part);
    });
    var empty = question.parts.filter(function (part) {
      return String(question.answers[part.key] || "").trim() === "";
    });
    if (empty.length) {
      empty.forEach(function (part) {
        answersUi.showVerdict(part, { status: "invalid", message: "Enter an answer here before checking." });
      });
      setCheckStatus(question, "Answer every part, then check. Nothing was used.", { error: true });
      return;
    }
    window.clearTimeout(question.timer);
    question.sequence = nextSequence(question);
    writeLocal();
    var sequence = question.sequence;
    var answers = Object.assign({}, question.answers);
    question.checking = true;
    updateCheckButton(question);
    setCheckStatus(question, "Grading…", { busy: true });
    var url = data.urls.save.replace("__position__", String(question.position));
    request("POST", url, { answers: answers, sequence: sequence }).then(function (response) {
      var body = response && response.data;
      if (response && (response.ok || (response.status === 400 && body && body.errors))) {
        /* the server stored these answers (it does so even when they do not parse) */
        question.acked = Math.max(question.acked, sequence);
        writeLocal();
        showSaveState();
      }
      if (response && response.ok && body && body.id !== undefined) {
        question.check.used = body.checks_used;
        question.check.left = body.checks_left;
        if (typeof body.seconds_left === "number") {
          setDeadline(body.seconds_left);
        }
        question.checkedAnswers = body.answers || answers;
        return waitForCheck(question, body.id);
      }
      question.checking = false;
      if (response && response.status === 400 && body && body.errors) {
        var first = answersUi.showParseErrors(question.parts, body.errors, answers);
        if (first) {
          first.input.focus();
        }
        setCheckStatus(question, "Some parts could not be read: fix the marked spots. This did not use up a check.", {
          error: true,
        });
      } else if (response && response.status === 409 && body && body.reason === "attempt_closed") {
        finish("Time is up: your saved answers were submitted.");
      } else {
        if (response && response.status === 409 && body && body.reason === "no_checks_left") {
          question.check.left = 0;
        }
        if (response && response.status === 403 && body && body.reason === "not_offered") {
          question.check = null;
        }
        setCheckStatus(question, describeCheckFailure(response), { error: true });
      }
      updateCheckButton(question);
      return null;
    });
  }

  /* ---------- restore after a reload ---------- */

  var local = readLocal();
  questions.forEach(function (question) {
    var kept = local[question.position];
    if (kept && kept.sequence > question.acked && kept.answers) {
      /* typed here but never confirmed by the server: put it back and send it */
      question.answers = Object.assign({}, question.answers, kept.answers);
      question.sequence = kept.sequence;
      question.parts.forEach(function (part) {
        setAnswer(part, question.answers[part.key] || "");
      });
    }
  });
  writeLocal();

  questions.forEach(function (question) {
    question.parts.forEach(function (part) {
      if (part.input) {
        part.input.addEventListener("input", function () {
          changed(question);
          window.clearTimeout(part.timer);
          part.timer = window.setTimeout(
            function () {
              requestPreview(part);
            },
            part.input.value.trim() ? PREVIEW_DELAY_MS : 0
          );
        });
        part.input.addEventListener("blur", function () {
          save(question);
        });
        if (part.input.value.trim()) {
          requestPreview(part);
        }
      }
      part.choiceInputs.forEach(function (input) {
        input.addEventListener("change", function () {
          changed(question);
          save(question);
        });
      });
    });
  });
  markNav();
  if (pending().length) {
    flushAll(false);
  } else {
    showSaveState();
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flushAll(true);
    }
  });
  window.addEventListener("pagehide", function () {
    flushAll(true);
  });
  window.addEventListener("online", function () {
    flushAll(false);
  });

  /* A check made before a reload: its verdict again, or the wait for it. */
  questions.forEach(function (question) {
    if (!question.checkButton) {
      return;
    }
    question.checkButton.addEventListener("click", function () {
      checkQuestion(question);
    });
    var check = question.check;
    if (check && check.submission && check.result && check.result.status === "grading") {
      question.checkedAnswers = check.answers;
      waitForCheck(question, check.submission);
    } else if (check && check.submission && check.result) {
      showCheckResult(question, {
        status: check.result.status,
        score: check.result.score,
        parts: check.result.parts,
        answers: check.answers,
      });
    }
    updateCheckButton(question);
  });

  /* ---------- moving between questions ---------- */

  function show(position) {
    questions.forEach(function (question) {
      question.section.hidden = question.position !== position;
    });
    Array.prototype.forEach.call(document.querySelectorAll("#question-nav [data-goto]"), function (button) {
      if (Number(button.getAttribute("data-goto")) === position) {
        button.setAttribute("aria-current", "step");
      } else {
        button.removeAttribute("aria-current");
      }
    });
    var target = questions.filter(function (question) {
      return question.position === position;
    })[0];
    if (target) {
      var first = target.section.querySelector("input");
      if (first) {
        first.focus({ preventScroll: true });
      }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-goto]") : null;
    if (button) {
      flushAll(false);
      show(Number(button.getAttribute("data-goto")));
    }
  });
  show(questions.length ? questions[0].position : 1);

  /* ---------- timer and submit ---------- */

  var deadlineAt = performance.now() + data.seconds_left * 1000;

  function setDeadline(secondsLeft) {
    deadlineAt = performance.now() + secondsLeft * 1000;
  }

  function formatLeft(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var mm = (hours ? String(minutes).padStart(2, "0") : String(minutes)) + ":" + String(seconds).padStart(2, "0");
    return hours ? hours + ":" + mm : mm;
  }

  function finish(message) {
    if (closed) {
      return;
    }
    closed = true;
    setStatus(message);
    try {
      window.localStorage.removeItem(storageKey);
    } catch (error) {
      /* nothing to clean */
    }
    window.setTimeout(function () {
      window.location.reload();
    }, 300);
  }

  function submitNow(message) {
    if (submitting) {
      return;
    }
    submitting = true;
    setStatus("Submitting…");
    flushAll(false).then(function () {
      return request("POST", data.urls.submit);
    }).then(function (response) {
      if (response && (response.ok || response.status === 404)) {
        finish(message);
      } else {
        submitting = false;
        setStatus("Could not reach the server to submit; retrying. Your answers are saved on this device.", true);
        window.setTimeout(function () {
          submitNow(message);
        }, RETRY_MS);
      }
    });
  }

  function tick() {
    var left = deadlineAt - performance.now();
    timerElement.textContent = formatLeft(left);
    timerElement.parentNode.classList.toggle("urgent", left < 60000);
    if (left <= 0 && !closed) {
      submitNow("Time is up: your saved answers were submitted.");
      return;
    }
    window.setTimeout(tick, 250);
  }
  tick();

  /* An instructor's extension, or a clock drifting, shows up at the next sync. */
  window.setInterval(function () {
    if (closed) {
      return;
    }
    request("GET", data.urls.attempt).then(function (response) {
      if (!response || !response.ok || !response.data) {
        return;
      }
      if (response.data.status === "submitted") {
        finish("This attempt has been submitted.");
      } else {
        setDeadline(response.data.seconds_left);
      }
    });
  }, SYNC_MS);

  var review = document.getElementById("review-submit");
  var confirmButton = document.getElementById("confirm-submit");
  var cancel = document.getElementById("cancel-submit");
  var summary = document.getElementById("unanswered-summary");

  review.addEventListener("click", function () {
    var missing = questions
      .filter(function (question) {
        return !isAnswered(question);
      })
      .map(function (question) {
        return question.position;
      });
    summary.textContent = missing.length
      ? "Not answered: question" + (missing.length > 1 ? "s " : " ") + missing.join(", ") + ". Submit anyway? You cannot change answers afterwards."
      : "Every question has an answer. Submit now? You cannot change answers afterwards.";
    review.hidden = true;
    confirmButton.hidden = false;
    cancel.hidden = false;
    confirmButton.focus();
  });
  cancel.addEventListener("click", function () {
    summary.textContent = "";
    review.hidden = false;
    confirmButton.hidden = true;
    cancel.hidden = true;
  });
  confirmButton.addEventListener("click", function () {
    confirmButton.disabled = true;
    submitNow("Submitted. Loading your results…");
  });
})();

/* The instructor's quiz page: each regrade's progress, read again until it has finished. */
(function () {
  "use strict";

  var POLL_MS = 1500;
  var list = document.getElementById("regrades");
  if (!list || !window.GradientApi) {
    return;
  }

  function progressText(regrade) {
    if (regrade.status === "queued") {
      return "queued, waiting for a worker";
    }
    if (regrade.status === "failed") {
      return "stopped: " + regrade.message;
    }
    if (regrade.status === "running") {
      return regrade.done + " of " + regrade.total + " questions done";
    }
    if (regrade.finished) {
      return "finished: " + regrade.sent + (regrade.sent === 1 ? " answer" : " answers") + " regraded";
    }
    return regrade.graded + " of " + regrade.sent + " new verdicts in";
  }

  function unfinished() {
    return list.querySelectorAll('[data-regrade][data-finished="no"]').length;
  }

  function poll() {
    if (!unfinished()) {
      return;
    }
    window.GradientApi.request("GET", list.getAttribute("data-url")).then(function (response) {
      if (response && response.ok && Array.isArray(response.data)) {
        response.data.forEach(function (regrade) {
          var row = list.querySelector('[data-regrade="' + regrade.id + '"]');
          if (!row) {
            return;
          }
          row.querySelector(".regrade-progress").textContent = progressText(regrade);
          var over = regrade.finished || regrade.status === "failed";
          row.setAttribute("data-finished", over ? "yes" : "no");
        });
      }
      window.setTimeout(poll, POLL_MS);
    });
  }

  window.setTimeout(poll, POLL_MS);
})();
