// Small enhancements kept out of the HTML so that the Content-Security-Policy forbids every
// inline script and event handler. Every page works without this file.
"use strict";

// A form marked data-reset-after-request is emptied after htmx posted it successfully
// (the assistant's question box).
document.addEventListener("htmx:afterRequest", function (event) {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.hasAttribute("data-reset-after-request")
      && event.detail.successful) {
    form.reset();
  }
});

// A page re-rendered with errors shows them: the first error summary (or invalid field) is
// scrolled into view and focused, instead of leaving the user at the top of a long page.
document.addEventListener("DOMContentLoaded", function () {
  const target = document.querySelector(".form-errors[role=alert], [aria-invalid=true]");
  if (!target) return;
  if (!target.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
    target.setAttribute("tabindex", "-1");
  }
  target.scrollIntoView({ block: "center" });
  target.focus({ preventScroll: true });
});
