// Runs the page's scripts once the static first screen has been painted
// (dashboard/first_screen.py). The server writes them with a type the browser does not run;
// they were preloaded from the <head>, so they are on their way or already here. Added again
// with async = false they run in the order Dash listed them; then the renderer starts.
(function () {
  function loadAll() {
    var waiting = document.querySelectorAll("script[type='text/x-genscan-deferred']");
    var left = waiting.length;
    waiting.forEach(function (original) {
      var script = document.createElement("script");
      script.src = original.src;
      script.async = false;
      script.onload = script.onerror = function () {
        left -= 1;
        if (left === 0) {
          document.dispatchEvent(new Event("genscan:scripts-loaded"));
        }
      };
      original.parentNode.replaceChild(script, original);
    });
  }

  var started = false;
  function start() {
    if (!started) {
      started = true;
      loadAll();
    }
  }
  // Start once the browser reports its first contentful paint; a page that cannot paint yet
  // (opened in a background tab, say) starts anyway after a second.
  try {
    new PerformanceObserver(function (entries) {
      if (entries.getEntriesByName("first-contentful-paint").length) {
        start();
      }
    }).observe({ type: "paint", buffered: true });
  } catch (error) {
    window.requestAnimationFrame(function () {
      window.setTimeout(start, 0);
    });
  }
  window.setTimeout(start, 1000);
})();
