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
        var lang = document.documentElement.lang || "en";
        counter.textContent = total.toLocaleString(lang + "-GB");
        var noun = document.getElementById("count-noun");
        var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang).select(total) : (total === 1 ? "one" : "other");
        if (noun) noun.textContent = noun.getAttribute("data-" + plural) || noun.getAttribute("data-other");
      } catch (e) { /* a malformed event changes nothing */ }
    });
  }

  if (!form || !window.fetch || !window.JSON) return;

  function words(name) {
    return form.getAttribute("data-" + name) || "";
  }

  // A child under 13 gives a parent's or carer's address: the label says so once chosen.
  // Under 18, the boxes to be listed and contacted are not offered (nothing ticked there would
  // be kept); the note that says so shows until an age is chosen, and for the under-18s.
  var emailLabel = form.querySelector("label[for=email]");
  var consents = document.getElementById("consents");
  var youngNote = document.getElementById("young-note");
  if (emailLabel && youngNote && consents) {
    var ownLabel = emailLabel.textContent;
    var followAge = function () {
      var chosen = form.querySelector("input[name=age_band]:checked");
      var band = chosen ? chosen.value : null;
      emailLabel.textContent = band === "under-13" ? words("parent-label") : ownLabel;
      var young = band !== null && band !== "18-plus";
      consents.hidden = young;
      youngNote.hidden = band === "18-plus";
      if (young) {
        var boxes = consents.querySelectorAll("input[type=checkbox]");
        for (var i = 0; i < boxes.length; i++) boxes[i].checked = false;
        // Nor is a reason asked of them.
        var reason = consents.querySelector("textarea");
        if (reason) reason.value = "";
      }
      reportHeight();
    };
    form.addEventListener("change", followAge);
    followAge();
  }

  // Where the campaign asks for a proof of work: a challenge, solved in a Web Worker so the
  // page stays responsive, as ALTCHA's payload (base64 of its JSON).
  function proofOfWork() {
    var challengeUrl = form.getAttribute("data-altcha");
    if (!challengeUrl) return Promise.resolve(undefined);
    if (!window.Worker || !window.crypto || !crypto.subtle) return Promise.reject(new Error("proof"));
    return fetch(challengeUrl, { credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("proof");
        return response.json();
      })
      .then(function (challenge) {
        return new Promise(function (resolve, reject) {
          var worker = new Worker(form.getAttribute("data-altcha-worker"));
          worker.onmessage = function (event) {
            worker.terminate();
            if (event.data.number === null) { reject(new Error("proof")); return; }
            resolve(btoa(JSON.stringify({
              algorithm: challenge.algorithm,
              challenge: challenge.challenge,
              number: event.data.number,
              salt: challenge.salt,
              signature: challenge.signature,
              took: event.data.took
            })));
          };
          worker.onerror = function () { worker.terminate(); reject(new Error("proof")); };
          worker.postMessage(challenge);
        });
      });
  }

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
    // A group of radio buttons: the chosen one's value.
    var v = (input.value || "").trim();
    return v === "" ? undefined : v;
  }

  function body() {
    var data = {};
    ["name", "email", "postcode", "country", "signatory_type", "organisation", "role", "source", "website", "nickname", "started", "lang", "age_band", "reason", "reason_shown_as"].forEach(function (name) {
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
    var buttonText = button.textContent;
    button.disabled = true;
    button.textContent = words("working");
    var proofFailed = false;
    proofOfWork()
      .catch(function (error) { proofFailed = true; throw error; })
      .then(function (altcha) {
        var data = body();
        if (altcha) data.altcha = altcha;
        return fetch(form.getAttribute("data-api"), {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(data),
          credentials: "omit"
        });
      })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        if (result.status === 202) {
          form.hidden = true;
          outcome.textContent = result.data.parent_confirms
            ? outcome.getAttribute("data-parent")
            : result.data.confirmation_required
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
          // A group of radio buttons (the age band) is focused at its first choice.
          var named = form.elements[error.field];
          var input = named && !named.tagName && named.length ? named[0] : named;
          if (!slot) { unplaced.push(error.field + " " + error.message); return; }
          // A message that starts with a capital is a sentence of its own; the others
          // complete one that starts with the field's label.
          var label = slot.getAttribute("data-label");
          var template = words(/^is required/.test(error.message) ? "error-required" : "error-invalid");
          slot.textContent = template
            ? template.replace("{label}", label)
            : /^[A-Z]/.test(error.message) ? error.message : label + " " + error.message;
          slot.hidden = false;
          if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
          if (!first && input && input.focus) first = input;
        });
        if (first) {
          first.focus();
        } else {
          // In the page's own words: the service's details are in English.
          var byStatus = {429: "problem-rate-limited", 409: "problem-closed", 413: "problem-too-large", 503: "problem-unavailable"};
          var proofAsked = errors.some(function (error) { return error.field === "altcha"; });
          showProblem(proofAsked ? words("problem-proof")
            : unplaced.length && document.documentElement.lang === "en" ? unplaced.join("; ")
            : words(byStatus[result.status] || "problem-other"));
        }
      })
      .catch(function () {
        showProblem(proofFailed ? words("problem-proof") : words("problem-offline"));
      })
      .then(function () {
        button.disabled = false;
        button.textContent = buttonText;
        reportHeight();
      });
  });
})();
