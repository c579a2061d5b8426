// A campaign's webhooks: the events its other systems follow, each webhook's secret shown
// once, its recent deliveries, a test, a new secret, and removal.

import {get, post, remove, slugPath} from "./api.js";
import {announce, backToCampaigns, campaignTabs, confirmAction, copyButton, formatTime, h, heading, replace} from "./dom.js";
import {field, onSubmit} from "./forms.js";

const EVENTS = [
  ["signature.confirmed", "A signature counts (confirmed, or taken where no confirmation is asked)"],
  ["signature.withdrawn", "A signer withdraws"],
  ["signature.erased", "You erase a signer's details"],
  ["signature.reviewed", "You approve or reject a signature"],
  ["campaign.milestone_reached", "The count reaches a milestone"],
  ["campaign.closed", "The campaign closes"],
  ["campaign.handed_in", "The campaign is handed in"],
];

export async function webhooks(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  const listing = h("div", {});
  const issued = h("div", {});

  async function load() {
    const {webhooks} = await get(`${path}/webhooks`);
    if (!webhooks.length) {
      replace(listing, h("p", {class: "empty"}, "No webhooks yet. Add one to send this campaign's events to your CRM, mailing tool or spreadsheet as they happen."));
      return;
    }
    replace(listing, webhooks.map((w) => {
      // Filled by "Show deliveries".
      const panel = h("div", {});
      return h("article", {class: "webhook", "aria-labelledby": `webhook-${w.id}`},
        h("h3", {id: `webhook-${w.id}`}, w.url),
        h("p", {}, w.disabled_at ? `Stopped ${formatTime(w.disabled_at)}: ${w.disabled_reason}.` : `Live since ${formatTime(w.created_at)}.`,
          w.include_personal_data ? " Sends signers' names and emails." : " Sends no names or emails."),
        h("p", {class: "hint"}, `Events: ${w.events.join(", ")}.`),
        h("div", {class: "actions"},
          w.disabled_at ? null : h("button", {type: "button", class: "small secondary", onclick: () => test(w)}, "Send a test", h("span", {class: "visually-hidden"}, ` to ${w.url}`)),
          h("button", {type: "button", class: "small secondary", onclick: () => deliveries(w, panel)}, "Show deliveries", h("span", {class: "visually-hidden"}, ` to ${w.url}`)),
          h("button", {type: "button", class: "small secondary", onclick: () => rotate(w)}, "New secret", h("span", {class: "visually-hidden"}, ` for ${w.url}`)),
          h("button", {type: "button", class: "small danger", onclick: () => drop(w)}, "Remove", h("span", {class: "visually-hidden"}, ` ${w.url}`))),
        panel);
    }));
  }

  function showSecret(title, secret, note) {
    const id = "new-webhook-secret";
    replace(issued, h("div", {class: "key-once", role: "region", "aria-labelledby": "secret-title", tabindex: "-1"},
      h("h3", {id: "secret-title"}, title),
      h("p", {}, note),
      h("label", {for: id, class: "visually-hidden"}, "Signing secret"),
      h("input", {id, readonly: true, value: secret, class: "code"}),
      copyButton("Copy the secret", () => secret)));
    issued.firstChild.focus();
  }

  async function act(work, done) {
    try {
      await work();
      if (done) announce(done, "success");
      await load();
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  const test = (w) => act(() => post(`${path}/webhooks/${w.id}/test`, {}), `A test event is on its way to ${w.url}. Show its deliveries to see how it went.`);

  async function rotate(w) {
    const yes = await confirmAction({title: "Make a new secret?", text: `${w.url} will be signed with the new secret. The old one keeps signing too for 24 hours, so there is time to change it on the receiving side.`, confirm: "Make a new secret"});
    if (!yes) return;
    await act(async () => {
      const rotated = await post(`${path}/webhooks/${w.id}/rotate`, {});
      showSecret("The new signing secret", rotated.secret, "Copy it now into the receiving system: it is shown only this once.");
    });
  }

  async function drop(w) {
    const yes = await confirmAction({title: "Remove this webhook?", text: `Nothing more will be sent to ${w.url}, including what is still waiting to be sent.`, confirm: "Remove the webhook"});
    if (yes) await act(() => remove(`${path}/webhooks/${w.id}`), `The webhook to ${w.url} is removed.`);
  }

  async function deliveries(w, into) {
    const {deliveries} = await get(`${path}/webhooks/${w.id}/deliveries`);
    // Shown as cards on a phone, as the signatures are, each cell naming its column.
    replace(into, deliveries.length ? h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": `Deliveries to ${w.url}`}, h("table", {class: "signatures"},
      h("thead", {}, h("tr", {}, ["Event", "Queued", "Status", "Attempts", "Last answer"].map((t) => h("th", {scope: "col"}, t)))),
      h("tbody", {}, deliveries.map((d) => h("tr", {},
        h("th", {scope: "row"}, d.type), h("td", {"data-label": "Queued"}, formatTime(d.created_at)),
        h("td", {"data-label": "Status"}, d.status === "pending" && d.next_attempt_at ? `waiting, next try ${formatTime(d.next_attempt_at)}` : d.status),
        h("td", {"data-label": "Attempts"}, String(d.attempts)),
        h("td", {"data-label": "Last answer"}, d.last_status_code ? String(d.last_status_code) : d.last_error || "")))))) : h("p", {class: "empty"}, "Nothing sent yet."));
  }

  const addForm = onSubmit(h("form", {novalidate: true},
    field({name: "url", label: "Address that receives the events", type: "url", hint: "An https:// address of the receiving system, like https://crm.example.org/hooks/undersigned."}),
    h("fieldset", {class: "group", "data-field": "events"}, h("legend", {}, "Events to send"),
      EVENTS.map(([name, label]) => field({name: `event:${name}`, label, type: "checkbox", value: name === "signature.confirmed"}))),
    field({name: "include_personal_data", label: "Include signers' names and emails (only if the receiving system is yours to keep them in, under your privacy notice)", type: "checkbox"}),
    h("button", {type: "submit"}, "Add the webhook")), async (typed) => {
    const events = EVENTS.map(([name]) => name).filter((name) => typed[`event:${name}`]);
    const created = await post(`${path}/webhooks`, {url: typed.url.trim(), events, include_personal_data: typed.include_personal_data});
    showSecret("The webhook's signing secret", created.secret, "Copy it now into the receiving system, which checks each message with it: it is shown only this once.");
    addForm.reset();
    await load();
  });

  await load();
  return {title: `Webhooks: ${campaign.title}`, nodes: [backToCampaigns(),
    heading(`Webhooks: ${campaign.title}`), campaignTabs(slug, "/webhooks", campaign.kind),
    h("section", {"aria-labelledby": "webhooks-title"}, h("h2", {id: "webhooks-title"}, "Webhooks"),
      h("p", {}, "Each event is sent as it happens, signed as Standard Webhooks describes, and tried again for about a day if the receiver does not answer."),
      listing, h("h3", {}, "Add a webhook"), addForm, issued)]};
}
