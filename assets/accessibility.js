// Two accessibility faults of Dash 4's core components, mended in the page (see README,
// "Accessibility"):
// - RadioItems and Checklist render native radio buttons and check boxes inside a
//   role="listbox" whose labels say role="option": a listbox of options with no name,
//   around controls that are already accessible. The roles are removed; the group around
//   them (role="radiogroup" with aria-labelledby, in dashboard/layout.py) names them.
// - Dropdown takes keyboard focus on a hidden input marked aria-hidden="true", so a screen
//   reader lands on an element it was told to ignore. The input is exposed instead, named by
//   the field's label and the value shown.
(function () {
  function mend(root) {
    root.querySelectorAll(".dash-radioitems[role='listbox'], .dash-checklist[role='listbox']").forEach(function (list) {
      list.removeAttribute("role");
      list.querySelectorAll("[role='option']").forEach(function (option) {
        option.removeAttribute("role");
        option.removeAttribute("aria-selected");
      });
    });
    root.querySelectorAll("input.dash-dropdown-focus-target[aria-hidden]").forEach(function (input) {
      var button = input.parentNode.querySelector("button.dash-dropdown");
      var label = button && document.querySelector("label[for='" + button.id + "']");
      input.removeAttribute("aria-hidden");
      if (label && button) {
        if (!label.id) {
          label.id = button.id + "-label";
        }
        input.setAttribute("aria-labelledby", label.id + " " + button.id + "-value");
      } else if (button && button.getAttribute("aria-label")) {
        input.setAttribute("aria-label", button.getAttribute("aria-label"));
      }
    });
  }
  var pending = false;
  var observer = new MutationObserver(function () {
    if (pending) {
      return;
    }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      mend(document);
    });
  });
  function start() {
    mend(document);
    observer.observe(document.body, { childList: true, subtree: true });
  }
  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
