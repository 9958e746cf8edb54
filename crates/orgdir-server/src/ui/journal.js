// orgdir dashboard: refreshes the request journal's rows every 2 seconds
// from the server-rendered fragment named by the table body's data-src.
(function () {
  "use strict";
  var body = document.getElementById("journal-rows");
  if (!body || !window.fetch) { return; }
  var src = body.getAttribute("data-src");
  function refresh() {
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && html !== body.innerHTML) { body.innerHTML = html; } })
      .catch(function () {})
      .then(function () { window.setTimeout(refresh, 2000); });
  }
  window.setTimeout(refresh, 2000);
})();
