/* Swagger UI on /api/docs/ (templates/api_docs.html), started from this file because the
 * site's Content-Security-Policy refuses inline script. The schema address, the
 * SWAGGER_UI_SETTINGS and the CSRF header come from the page's data-* attributes; a request
 * that changes something ("Try it out" with POST) carries the CSRF token, as a page's
 * form does.
 */
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  var data = root.dataset;

  function withCsrfToken(request) {
    var method = (request.method || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD" && request.credentials === "same-origin") {
      request.headers[data.csrfHeader] = data.csrfToken;
    }
    return request;
  }

  window.ui = SwaggerUIBundle(
    Object.assign(
      {
        url: data.schemaUrl,
        dom_id: "#swagger-ui",
        presets: [SwaggerUIBundle.presets.apis],
        layout: "BaseLayout",
        requestInterceptor: withCsrfToken
      },
      JSON.parse(data.settings || "{}")
    )
  );
})();
