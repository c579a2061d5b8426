// An organisation's logo, for the account and for one campaign: what is shown now, a file to
// upload in its place, and a way to remove it. The service re-encodes what it is given.

import {putFile, remove} from "./api.js";
import {announce, h, replace} from "./dom.js";

/** `path` is the logo's address in the API; `current` the logo's URL, if any; `name` its
 * alt text; `after` is called with the API's answer. */
export function logoEditor({path, current, name, label, after}) {
  const shown = h("div", {class: "logo-now"});
  const input = h("input", {type: "file", id: "logo-file", name: "logo", accept: "image/png,image/jpeg,image/webp", "aria-describedby": "logo-hint logo-error"});
  const error = h("p", {class: "field-error", id: "logo-error", hidden: true});
  function show(url) {
    replace(shown, url
      ? h("p", {}, h("img", {src: url, alt: name || "Your logo", class: "logo-preview"}))
      : h("p", {class: "hint"}, "No logo yet."));
  }
  show(current);
  async function send(action) {
    error.hidden = true;
    try {
      const answer = await action();
      const url = answer.logo_url ?? answer.organiser?.logo_url ?? null;
      show(url);
      after(answer);
      announce(url ? "The logo is saved: pages, the form and emails show it now." : "The logo is removed.", "success");
    } catch (problem) {
      error.textContent = problem.sentence || String(problem);
      error.hidden = false;
    }
  }
  const upload = h("button", {type: "button", onclick: () => {
    const file = input.files && input.files[0];
    if (!file) { error.textContent = "Choose a PNG, JPEG or WebP image first."; error.hidden = false; return; }
    send(() => putFile(path, file));
  }}, "Upload the logo");
  const removal = h("button", {type: "button", class: "secondary", onclick: () => send(() => remove(path))}, "Remove the logo");
  return h("section", {class: "logo-editor", "aria-labelledby": "logo-heading"},
    h("h2", {id: "logo-heading"}, label),
    shown,
    h("div", {class: "field"},
      h("label", {for: "logo-file"}, "Logo image"),
      h("p", {class: "hint", id: "logo-hint"}, "A PNG, JPEG or WebP image of up to 1 MB; it is shown up to 48 pixels tall. Its description for screen readers is your organisation's name."),
      error, input),
    h("div", {class: "actions"}, upload, removal));
}
