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

  // The first paint happens before the next animation frame's callbacks have returned.
  window.requestAnimationFrame(function () {
    window.setTimeout(loadAll, 0);
  });
})();
