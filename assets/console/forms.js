// Forms with labels, hints and errors shown beside each field and in a summary at the top,
// as the GOV.UK Design System does: a 422 names every field at fault, and each is shown.

import {h} from "./dom.js";

const idOf = (name) => `field-${name.replace(/[^a-z0-9_-]/gi, "-")}`;

/** One field. `type` is an input type, or "textarea", "select", "checkbox" or "radios". */
export function field({name, label, hint, type = "text", value = "", options = [], rows = 4, required = false, autocomplete, inputmode, disabled = false}) {
  const id = idOf(name);
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const described = [hintId, errorId].filter(Boolean).join(" ");
  const error = h("p", {class: "field-error", id: errorId, hidden: true});
  let control;
  if (type === "checkbox") {
    control = h("input", {type: "checkbox", id, name, checked: Boolean(value), "aria-describedby": described, disabled});
    return h("div", {class: "field checkbox", "data-field": name}, control,
      h("label", {for: id}, label), hint ? h("p", {class: "hint", id: hintId}, hint) : null, error);
  }
  if (type === "radios") {
    return h("fieldset", {class: "field radios", "data-field": name, "aria-describedby": described},
      h("legend", {}, label), hint ? h("p", {class: "hint", id: hintId}, hint) : null, error,
      options.map(([optionValue, optionLabel], i) => h("div", {class: "radio"},
        h("input", {type: "radio", id: i === 0 ? id : `${id}-${i}`, name, value: optionValue, checked: optionValue === value, disabled}),
        h("label", {for: i === 0 ? id : `${id}-${i}`}, optionLabel))));
  }
  const common = {id, name, "aria-describedby": described, required, autocomplete, inputmode, disabled};
  if (type === "textarea") {
    control = h("textarea", {...common, rows}, value ?? "");
  } else if (type === "select") {
    control = h("select", common, options.map(([optionValue, optionLabel]) =>
      h("option", {value: optionValue, selected: optionValue === value}, optionLabel)));
  } else {
    control = h("input", {...common, type, value: value ?? ""});
  }
  return h("div", {class: "field", "data-field": name},
    h("label", {for: id}, label), hint ? h("p", {class: "hint", id: hintId}, hint) : null, error, control);
}

/** What a form holds, by field name: text as typed, checkboxes as true or false. */
export function values(form) {
  const found = {};
  for (const element of form.elements) {
    if (!element.name || element.disabled) continue;
    if (element.type === "checkbox") found[element.name] = element.checked;
    else if (element.type === "radio") { if (element.checked) found[element.name] = element.value; }
    else found[element.name] = element.value;
  }
  return found;
}

function labelOf(form, name) {
  const wrapper = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  const label = wrapper && wrapper.querySelector("label, legend");
  return label ? label.textContent : name;
}

/** The field a server's error names, or the nearest one shown ("milestones[2]" is shown
 * beside "milestones"). */
function wrapperFor(form, name) {
  let candidate = name;
  while (candidate) {
    const wrapper = form.querySelector(`[data-field="${CSS.escape(candidate)}"]`);
    if (wrapper) return wrapper;
    const cut = Math.max(candidate.lastIndexOf("["), candidate.lastIndexOf("."));
    candidate = cut > 0 ? candidate.slice(0, cut) : "";
  }
  return null;
}

/** A message as a person reads it: a capitalised message is a sentence of its own; others
 * read after the field's label ("Title must not be empty"). */
function sentence(form, error) {
  const wrapper = wrapperFor(form, error.field);
  const label = wrapper ? wrapper.querySelector("label, legend").textContent : labelOf(form, error.field);
  return /^[A-Z]/.test(error.message) ? error.message : `${label} ${error.message}`;
}

export function clearErrors(form) {
  form.querySelector(".error-summary")?.remove();
  for (const error of form.querySelectorAll(".field-error")) { error.hidden = true; error.textContent = ""; }
  for (const wrapper of form.querySelectorAll(".field.invalid")) wrapper.classList.remove("invalid");
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

/** Shows a refusal: each field's error beside it, all of them in a summary that takes focus.
 * A problem that names no field is shown in the summary alone. */
export function showProblem(form, problem) {
  clearErrors(form);
  const items = [];
  for (const error of problem.errors) {
    const text = sentence(form, error);
    const wrapper = wrapperFor(form, error.field);
    if (wrapper) {
      wrapper.classList.add("invalid");
      const slot = wrapper.querySelector(".field-error");
      slot.hidden = false;
      slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
      const control = wrapper.querySelector("input, textarea, select");
      control?.setAttribute("aria-invalid", "true");
      items.push(h("li", {}, h("a", {href: `#${control ? control.id : ""}`, onclick: (event) => {
        event.preventDefault();
        control?.focus();
      }}, text)));
    } else {
      items.push(h("li", {}, text));
    }
  }
  const summary = h("div", {class: "error-summary", tabindex: "-1", role: "alert", "aria-labelledby": "error-summary-title"},
    h("h2", {id: "error-summary-title"}, items.length ? "There is a problem" : problem.title || "There is a problem"),
    items.length ? h("ul", {}, items) : h("p", {}, problem.sentence));
  form.prepend(summary);
  summary.focus();
}

/** Runs `action` when the form is sent, with its button busy meanwhile; a refusal is shown
 * on the form, and nothing typed is lost. */
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // The button pressed goes to the action, for a form that does more than one thing.
    const buttons = [...form.querySelectorAll("button[type=submit]")];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      clearErrors(form);
      await action(values(form), event.submitter);
    } catch (problem) {
      // A refused token has already shown the log-in screen, this form kept aside as it is.
      if (problem && problem.status === 401 && !form.isConnected) return;
      showProblem(form, problem.errors ? problem : {errors: [], title: "Something went wrong", sentence: String(problem)});
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return form;
}
