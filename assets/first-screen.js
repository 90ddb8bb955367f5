// The first screen arrives inside the page: its layout and callbacks are inline JSON
// (dashboard/first_screen.py). Hand them to the Dash renderer when it asks the server for
// them, once, so that the page needs no round trip before it can draw.
(function () {
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
