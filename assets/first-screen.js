// The first screen arrives inside the page: its layout and callbacks are inline JSON
// (dashboard/first_screen.py). Hand them to the Dash renderer when it asks the server for
// them, once, so that the page needs no round trip before it can draw.
(function () {
  // The server writes the view's full address (defaults completed, unknown keys dropped) as
  // the canonical link; the address bar shows it before the app reads it.
  var canonical = document.querySelector("link[rel='canonical']");
  if (canonical) {
    var target = new URL(canonical.href, window.location.href);
    if (target.pathname + target.search !== window.location.pathname + window.location.search) {
      window.history.replaceState(window.history.state, "", target.pathname + target.search + window.location.hash);
    }
  }
  var inline = { "_dash-layout": "genscan-layout", "_dash-dependencies": "genscan-dependencies" };
  var fetchFromServer = window.fetch.bind(window);
  window.fetch = function (resource, options) {
    var url = typeof resource === "string" ? resource : resource && resource.url;
    var path = url ? new URL(url, window.location.href).pathname : "";
    for (var route in inline) {
      var node = path.endsWith("/" + route) ? document.getElementById(inline[route]) : null;
      if (node) {
        node.parentNode.removeChild(node);
        return Promise.resolve(
          new Response(node.textContent, {
            status: 200,
            headers: { "Content-Type": "application/json" },
          })
        );
      }
    }
    return fetchFromServer(resource, options);
  };
})();
