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

// Narrow screens: the main menu folds behind a « Menu » button (without this script it stays
// unfolded, and usable).
document.addEventListener("DOMContentLoaded", function () {
  const button = document.querySelector(".menu-toggle");
  const nav = document.getElementById("menu-principal");
  if (!button || !nav) return;
  document.documentElement.classList.add("menu-js");
  button.hidden = false;
  button.addEventListener("click", function () {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("menu-open", open);
  });
});

// Narrow screens: every data table with a header reflows into one card per row; each cell gets
// the label of its column (CSS shows it before the value).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("main table").forEach(function (table) {
    const head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    const labels = Array.from(head.cells).map(function (cell) {
      return cell.textContent.trim();
    });
    Array.from(table.tBodies).forEach(function (body) {
      Array.from(body.rows).forEach(function (row) {
        Array.from(row.cells).forEach(function (cell, index) {
          if (labels[index] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", labels[index]);
          }
        });
      });
    });
    table.classList.add("reflow");
  });
});

// Irreversible actions (reject an invoice, refuse an attachment) ask for confirmation first:
// the button carries the question in data-confirm.
document.addEventListener("click", function (event) {
  const button = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
