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

// Entry form: totals as you type (HT, TVA, TTC; VAT rounded to the cent per rate, as the server
// does). The server recomputes them on every save; this is only a preview.
document.addEventListener("DOMContentLoaded", function () {
  const out = document.getElementById("totaux-direct");
  if (!out) return;
  const form = out.closest("form");
  const euro = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
  const parse = function (value) {
    const text = String(value || "").replace(/\s/g, "").replace(",", ".");
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : null;
  };
  const update = function () {
    const byRate = {};
    let lines = 0;
    form.querySelectorAll("select[name$='-vat_rate']").forEach(function (select) {
      const prefix = select.name.slice(0, -"vat_rate".length);
      const qty = parse((form.elements[prefix + "quantity"] || {}).value);
      const price = parse((form.elements[prefix + "unit_price"] || {}).value);
      if (qty === null || price === null) return;
      const net = Math.round(qty * price * 100) / 100;
      byRate[select.value] = (byRate[select.value] || 0) + net;
      lines += 1;
    });
    if (!lines) { out.hidden = true; return; }
    let net = 0, vat = 0;
    Object.keys(byRate).forEach(function (rate) {
      net += byRate[rate];
      vat += Math.round(byRate[rate] * Number(rate)) / 100;
    });
    out.textContent = "En direct : total HT " + euro.format(net) + " · TVA " + euro.format(vat)
      + " · TTC " + euro.format(net + vat) + " (recalculé par le serveur à l'enregistrement).";
    out.hidden = false;
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
});

// Uploads: a file over the limit (data-max-bytes) is refused in the browser, before anything is
// sent; a form that sends files says so while it is sent.
(function () {
  const mb = function (bytes) {
    return (bytes / 1048576).toLocaleString("fr-FR", { maximumFractionDigits: 1 }) + " Mo";
  };
  const check = function (input) {
    const max = Number(input.getAttribute("data-max-bytes"));
    const big = Array.from(input.files || []).filter(function (file) { return file.size > max; });
    let note = input.parentNode.querySelector(".upload-refused");
    if (!big.length) {
      if (note) note.remove();
      input.removeAttribute("aria-invalid");
      return true;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "errorlist upload-refused";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = big.map(function (file) {
      return file.name + " : " + mb(file.size) + ", la limite est " + mb(max) + " par fichier.";
    }).join(" ") + " Choisissez un fichier plus petit.";
    input.setAttribute("aria-invalid", "true");
    return false;
  };
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=file][data-max-bytes]")) {
      check(event.target);
    }
  });
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const inputs = Array.from(form.querySelectorAll("input[type=file][data-max-bytes]"));
    const refused = inputs.filter(function (input) { return !check(input); });
    if (refused.length) {
      event.preventDefault();
      refused[0].focus();
      return;
    }
    const total = Array.from(form.querySelectorAll("input[type=file]")).reduce(function (sum, input) {
      return sum + Array.from(input.files || []).reduce(function (s, f) { return s + f.size; }, 0);
    }, 0);
    if (total > 0 && !event.defaultPrevented) {
      sendWithProgress(event, form, total);
    }
  });

  // The form is sent by XMLHttpRequest so that a <progress> bar shows how much has gone; the
  // server's answer (the page after the redirect, or the form with its errors) then replaces the
  // page, its address included. Without this script the form is posted as usual.
  const sendWithProgress = function (event, form, total) {
    if (form.hasAttribute("data-no-progress") || form.hasAttribute("hx-post")) return;
    let data;
    try {
      data = new FormData(form, event.submitter || undefined);
    } catch (error) {  // older browsers: no submitter argument
      data = new FormData(form);
      if (event.submitter && event.submitter.name) {
        data.append(event.submitter.name, event.submitter.value);
      }
    }
    event.preventDefault();
    let box = form.querySelector(".upload-progress");
    if (!box) {
      box = document.createElement("div");
      box.className = "message message-info upload-progress";
      box.setAttribute("role", "status");
      const label = document.createElement("label");
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.id = "upload-bar";
      label.htmlFor = bar.id;
      box.appendChild(label);
      box.appendChild(bar);
      form.appendChild(box);
    }
    const label = box.querySelector("label");
    const bar = box.querySelector("progress");
    const buttons = Array.from(form.querySelectorAll("button[type=submit], input[type=submit]"));
    const say = function (text) { label.textContent = text; };
    say("Envoi de " + mb(total) + " : 0 %");
    buttons.forEach(function (button) { button.disabled = true; });
    const xhr = new XMLHttpRequest();
    xhr.open((form.getAttribute("method") || "POST").toUpperCase(), form.action);
    xhr.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) return;
      const percent = Math.round((progress.loaded / progress.total) * 100);
      bar.value = percent;
      say("Envoi : " + percent + " % (" + mb(progress.loaded) + " sur " + mb(progress.total) + ")");
    });
    xhr.upload.addEventListener("load", function () {
      bar.value = 100;
      say("Fichier envoyé (" + mb(total) + ") ; vérification en cours…");
    });
    xhr.addEventListener("load", function () {
      const type = xhr.getResponseHeader("Content-Type") || "";
      if (xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.history.pushState({}, "", xhr.responseURL);
      }
      if (type.indexOf("text/html") === -1) {
        window.location.assign(xhr.responseURL || window.location.href);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    const failed = function () {
      buttons.forEach(function (button) { button.disabled = false; });
      box.className = "message message-error upload-progress";
      say("L'envoi a échoué (connexion interrompue). Vos fichiers sont toujours sélectionnés : "
        + "renvoyez le formulaire.");
    };
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    xhr.send(data);
  };
})();

// Filter panels (<details data-open-wide>) start open on wide screens; on a phone they stay
// folded so that the list is on the first screen.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(min-width: 48.01rem)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
    details.open = true;
  });
});
