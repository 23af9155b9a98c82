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
