/* Gradient quiz page: the server's timer, moving between questions, autosave while typing, live
 * preview per input, and the final submit with a summary of unanswered questions.
 *
 * Nothing typed is lost: every change goes to localStorage at once and to the server after a
 * short pause (and at once on blur, tab switch or page close). Each save carries a sequence that
 * only grows, so the server keeps the newest text whatever order saves arrive in; a save that
 * failed is resent until it lands, and a reload resends whatever the server has not confirmed. */
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
      return {
        key: part.key,
        kind: part.kind,
        options: part.options || {},
        input: box.querySelector("input[type=text]"),
        choiceInputs: Array.prototype.slice.call(box.querySelectorAll("input[type=radio], input[type=checkbox]")),
        preview: box.querySelector(".preview"),
        timer: null,
        previewSequence: 0,
      };
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
    };
  });

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
      question.answers[part.key] = answerOf(part);
    });
    question.sequence = nextSequence(question);
    writeLocal();
    markNav();
    setStatus("Saving…");
    window.clearTimeout(question.timer);
    question.timer = window.setTimeout(function () {
      save(question);
    }, SAVE_DELAY_MS);
  }

  /* ---------- live preview ---------- */

  function showPreview(part, latex) {
    part.preview.textContent = "";
    part.preview.classList.remove("has-error");
    var label = document.createElement("span");
    label.className = "read-as";
    label.textContent = "Read as";
    var math = document.createElement("span");
    math.className = "preview-math";
    part.preview.appendChild(label);
    part.preview.appendChild(math);
    if (window.katex && typeof window.katex.render === "function") {
      window.katex.render(latex, math, { throwOnError: false, displayMode: true });
    } else {
      math.textContent = latex;
    }
  }

  function showPreviewError(part, message, position) {
    part.preview.textContent = "";
    part.preview.classList.add("has-error");
    var line = document.createElement("p");
    line.className = "parse-error";
    line.textContent = message + (typeof position === "number" ? " (at character " + (position + 1) + ")" : "");
    part.preview.appendChild(line);
  }

  function requestPreview(part) {
    var text = part.input.value;
    part.previewSequence += 1;
    var mine = part.previewSequence;
    if (!text.trim()) {
      part.preview.textContent = "";
      part.preview.classList.remove("has-error");
      return;
    }
    var body = { kind: part.kind, text: text };
    if (Object.keys(part.options).length) {
      body.options = part.options;
    }
    request("POST", data.urls.preview, body).then(function (response) {
      if (mine !== part.previewSequence) {
        return;
      }
      if (response && response.ok && response.data && typeof response.data.latex === "string") {
        showPreview(part, response.data.latex);
      } else if (response && response.data && typeof response.data.error === "string") {
        showPreviewError(part, response.data.error, response.data.position);
      }
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
