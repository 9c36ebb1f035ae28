/* Gradient's JSON calls from the browser, shared by the practice and quiz pages: same-origin
   fetch with the page's CSRF token, and waiting for a submission's verdict on the long-poll
   `GET /api/v1/submissions/{id}?wait=N`. */
(function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  /* Resolves to {status, ok, data} (data null when the body is not JSON), or to null when the
     network failed, so callers tell "the server said no" from "we could not reach it". */
  function request(method, url, body, options) {
    var settings = options || {};
    var headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrfToken();
    }
    Object.keys(settings.headers || {}).forEach(function (name) {
      headers[name] = settings.headers[name];
    });
    return window
      .fetch(url, {
        method: method,
        headers: headers,
        credentials: "same-origin",
        keepalive: Boolean(settings.keepalive),
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            return { status: response.status, ok: response.ok, data: data };
          });
      })
      .catch(function () {
        return null;
      });
  }

  var FINAL_STATUSES = ["graded", "invalid", "failed", "timeout"];
  var WAIT_SECONDS = 8;
  var RETRY_FIRST_MS = 150;
  var RETRY_MAX_MS = 2000;
  var GIVE_UP_MS = 90000;

  function sleep(ms) {
    return new Promise(function (resolve) {
      window.setTimeout(resolve, ms);
    });
  }

  function isFinished(submission) {
    return Boolean(submission) && FINAL_STATUSES.indexOf(submission.status) !== -1;
  }

  /* Resolves to the submission once its grading has finished. Each read waits on the server
     until the verdict is stored (or WAIT_SECONDS pass), so the verdict shows the moment grading
     ends without the page asking over and over; a lost connection or a busy server is retried
     with a growing pause. Rejects with an Error whose message a person can act on:
     `options.describe(response)` words a refusal (4xx), `options.tooLong` the give-up after
     90 s. `options.onWaiting(seconds)` is told how long it has been, from 2 s on. */
  function waitForSubmission(url, options) {
    var settings = options || {};
    var started = Date.now();
    var delay = 0;
    var waitingUrl = url + (url.indexOf("?") === -1 ? "?" : "&") + "wait=" + WAIT_SECONDS;
    function step() {
      return sleep(delay).then(function () {
        return request("GET", waitingUrl).then(function (response) {
          if (response && response.ok && response.data) {
            if (isFinished(response.data)) {
              return response.data;
            }
          } else if (response && response.status < 500 && response.status !== 429) {
            throw new Error(
              settings.describe ? settings.describe(response) : "The server refused (error " + response.status + ")."
            );
          }
          if (Date.now() - started > GIVE_UP_MS) {
            throw new Error(
              settings.tooLong || "Grading is taking longer than usual. Your answer is saved; reload this page in a minute."
            );
          }
          var seconds = Math.floor((Date.now() - started) / 1000);
          if (seconds >= 2 && settings.onWaiting) {
            settings.onWaiting(seconds);
          }
          delay = delay ? Math.min(RETRY_MAX_MS, Math.round(delay * 1.6)) : RETRY_FIRST_MS;
          return step();
        });
      });
    }
    return step();
  }

  window.GradientApi = {
    request: request,
    csrfToken: csrfToken,
    waitForSubmission: waitForSubmission,
    isFinished: isFinished,
  };
})();
