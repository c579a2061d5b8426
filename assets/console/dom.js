// Building the page from plain DOM calls: text is always set as text, never parsed as HTML,
// so nothing a signer typed can become markup in the console.

/** An element: h("a", {href: "#/x", class: "button"}, "Text", child, [more]). Attributes
 * starting with "on" are listeners; true/false/null switch a boolean attribute. */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** An SVG element, for the charts. */
export function svg(tag, attributes, ...children) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/** Says something to screen reader users and shows it at the top, e.g. "Saved". */
export function announce(message, tone = "info") {
  const status = document.getElementById("status");
  status.className = `status ${tone}`;
  status.textContent = message;
}

let afterNavigation = null;

/** Goes to another screen, then says `message` there. */
export function navigate(hash, message, tone = "success") {
  afterNavigation = message ? [message, tone] : null;
  if (location.hash === hash) dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** What `navigate` was asked to say once the next screen is shown. */
export function takeMessage() {
  const message = afterNavigation;
  afterNavigation = null;
  return message;
}

export function formatNumber(n) {
  return new Intl.NumberFormat("en-GB").format(n);
}

export function formatTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("en-GB", {dateStyle: "medium", timeStyle: "short"});
}

/** A button that copies `text()` to the clipboard and says so. */
export function copyButton(label, text) {
  return h("button", {type: "button", class: "secondary", onclick: async (event) => {
    const button = event.currentTarget;
    try {
      await navigator.clipboard.writeText(text());
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select the text and copy it";
    }
    setTimeout(() => { button.textContent = label; }, 2500);
  }}, label);
}

/** Asks before something that cannot be undone; resolves true if confirmed. The dialog is
 * modal, keeps focus inside, and Escape cancels it. */
export function confirmAction({title, text, confirm, tone = "danger"}) {
  return new Promise((resolve) => {
    const dialog = h("dialog", {"aria-labelledby": "confirm-title", class: "confirm"},
      h("h2", {id: "confirm-title"}, title),
      h("p", {}, text),
      h("div", {class: "actions"},
        h("button", {type: "button", class: tone, value: "yes", onclick: () => dialog.close("yes")}, confirm),
        h("button", {type: "button", class: "secondary", onclick: () => dialog.close("no")}, "Cancel")));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Saves a file the browser made (an export fetched with the token) under `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", {href: url, download: name, hidden: true});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const leaving = [];

/** Something to undo when the screen changes (a live count's stream, a timer). */
export function onLeave(undo) {
  leaving.push(undo);
}

export function leave() {
  while (leaving.length) leaving.pop()();
}

/** A screen's heading, which takes focus when the screen is shown. */
export function heading(text, ...after) {
  return h("h1", {tabindex: "-1"}, text, ...after);
}

/** The tabs every campaign screen shares; `current` is marked for assistive technology;
 * `kind`, where known, names the hand-in's tab. */
export function campaignTabs(slug, current, kind) {
  // A petition has no letter, but is handed in the same way.
  const handIn = kind === "petition" ? "Hand-in" : "Letter";
  const tabs = [["", "Dashboard"], ["/signatures", "Signatures"], ["/partners", "Partners and embedding"], ["/letter", handIn], ["/updates", "Updates"], ["/paper", "Paper"], ["/integrity", "Integrity"], ["/webhooks", "Webhooks"], ["/edit", "Edit"]];
  const base = `#/c/${encodeURIComponent(slug)}`;
  return h("nav", {class: "tabs", "aria-label": "This campaign"},
    h("ul", {}, tabs.map(([path, label]) => h("li", {},
      h("a", {href: base + path, "aria-current": path === current ? "page" : null}, label)))));
}

/** A link back to the list of campaigns. */
export function backToCampaigns() {
  return h("p", {class: "back"}, h("a", {href: "#/campaigns"}, "All campaigns"));
}
