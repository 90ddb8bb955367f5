// Charts below the fold are drawn when they come into view, not while the first screen loads:
// the server leaves their figures in the "deferred-figures" store (dashboard/first_screen.py).
// A chart that a callback has drawn meanwhile keeps what the callback sent.
(function () {
  var STORE = "deferred-figures";

  function pending(id) {
    var api = window.dash_component_api;
    var graph = api && api.getLayout(id);
    var figure = graph && graph.props.figure;
    return !figure || !figure.data || figure.data.length === 0;
  }

  function draw(id) {
    var store = window.dash_component_api.getLayout(STORE);
    var figures = (store && store.props.data) || {};
    if (figures[id] && pending(id)) {
      window.dash_clientside.set_props(id, { figure: figures[id] });
    }
  }

  var seen = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          seen.unobserve(entry.target);
          draw(entry.target.getAttribute("data-graph"));
        }
      });
    },
    { rootMargin: "0px" }  // drawn when it shows, not while the first screen loads
  );

  function hydrated() {
    var state = window.store && window.store.getState();
    return Boolean(state && state.appLifecycle === "HYDRATED" && window.dash_component_api);
  }

  function watch() {
    if (!hydrated()) {
      return false;
    }
    var store = window.dash_component_api.getLayout(STORE);
    if (!store || !store.props.data) {
      return true;  // a page without deferred charts (the report): nothing to watch
    }
    var ids = Object.keys(store.props.data);
    // The slot around the chart: the chart's own element is replaced when its script loads.
    var elements = ids.map(function (id) {
      return document.querySelector("[data-graph='" + id + "']");
    });
    if (elements.some(function (e) { return e === null; })) {
      return false;
    }
    elements.forEach(function (element) {
      seen.observe(element);
    });
    return true;
  }

  // The charts exist once the app has mounted: look for them until they do.
  var tries = 0;
  var timer = window.setInterval(function () {
    tries += 1;
    if (watch() || tries > 600) {
      window.clearInterval(timer);
    }
  }, 100);
})();
