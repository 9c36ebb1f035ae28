/* Gradient's JSON calls from the browser, shared by the practice and quiz pages: same-origin
   fetch with the page's CSRF token. */
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

  window.GradientApi = { request: request, csrfToken: csrfToken };
})();
