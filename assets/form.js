/* The embedded signing form: submits to the signing API and shows the outcome, or each
   field's error beside it, in place; tells the page around it how tall it is. Without this
   script the form still works by a plain POST. */
(function () {
  "use strict";
  var form = document.getElementById("sign");
  var outcome = document.getElementById("outcome");
  var summary = document.getElementById("problem");

  function reportHeight() {
    if (window.parent === window) return;
    // The content's height, not the document's: the document is at least as tall as the
    // frame, so it would never let the frame shrink (after signing, say).
    // The body's box holds the content with its padding (and the last paragraph's margin,
    // which the padding keeps inside it).
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    // Only a height and the page's title are sent, so any page may hear them; embed.js checks
    // where they came from.
    window.parent.postMessage({ type: "undersigned:height", height: height, title: document.title }, "*");
  }
  window.addEventListener("load", reportHeight);
  window.addEventListener("resize", reportHeight);
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.body);
  reportHeight();

  // The count stays live: each change arrives on the campaign's count stream.
  var counter = document.getElementById("count");
  if (counter && window.EventSource) {
    new EventSource(counter.getAttribute("data-stream")).addEventListener("count", function (event) {
      try {
        var total = JSON.parse(event.data).total;
        if (typeof total !== "number") return;
        counter.textContent = total.toLocaleString("en-GB");
        var noun = document.getElementById("count-noun");
        var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules("en-GB").select(total) : (total === 1 ? "one" : "other");
        if (noun) noun.textContent = noun.getAttribute(plural === "one" ? "data-one" : "data-other");
      } catch (e) { /* a malformed event changes nothing */ }
    });
  }

  if (!form || !window.fetch || !window.JSON) return;

  function fieldError(name) {
    return document.getElementById(name + "-error");
  }

  function clearErrors() {
    summary.hidden = true;
    summary.textContent = "";
    var errors = form.querySelectorAll(".error");
    for (var i = 0; i < errors.length; i++) {
      errors[i].hidden = true;
      errors[i].textContent = "";
    }
    var invalid = form.querySelectorAll("[aria-invalid]");
    for (var j = 0; j < invalid.length; j++) invalid[j].removeAttribute("aria-invalid");
  }

  function showProblem(text) {
    summary.textContent = text;
    summary.hidden = false;
    summary.focus();
  }

  function value(name) {
    var input = form.elements[name];
    if (!input) return undefined;
    if (input.type === "checkbox") return input.checked;
    var v = (input.value || "").trim();
    return v === "" ? undefined : v;
  }

  function body() {
    var data = {};
    ["name", "email", "postcode", "country", "signatory_type", "organisation", "role", "source", "website", "nickname", "started"].forEach(function (name) {
      var v = value(name);
      if (v !== undefined) data[name] = v;
    });
    data.name = data.name || "";
    data.email = data.email || "";
    data["public"] = !!value("public");
    data.contact = !!value("contact");
    var version = value("consent_version");
    if (version) data.consent_version = parseInt(version, 10);
    return data;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body()),
      credentials: "omit"
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        if (result.status === 202) {
          form.hidden = true;
          outcome.textContent = result.data.confirmation_required
            ? outcome.getAttribute("data-confirm")
            : outcome.getAttribute("data-counted");
          outcome.hidden = false;
          outcome.focus();
          return;
        }
        var errors = (result.data && result.data.errors) || [];
        var first = null;
        var unplaced = [];
        errors.forEach(function (error) {
          var slot = fieldError(error.field);
          var input = form.elements[error.field];
          if (!slot) { unplaced.push(error.field + " " + error.message); return; }
          // A message that starts with a capital is a sentence of its own; the others
          // complete one that starts with the field's label.
          slot.textContent = /^[A-Z]/.test(error.message)
            ? error.message
            : slot.getAttribute("data-label") + " " + error.message;
          slot.hidden = false;
          if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
          if (!first && input && input.focus) first = input;
        });
        if (first) {
          first.focus();
        } else {
          showProblem(unplaced.length ? unplaced.join("; ") : (result.data.detail || "Something went wrong. Please try again."));
        }
      })
      .catch(function () {
        showProblem("We could not reach the server. Check your connection and try again.");
      })
      .then(function () {
        button.disabled = false;
        reportHeight();
      });
  });
})();
