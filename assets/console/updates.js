// Telling a campaign's signers what happened: an outcome to every confirmed signer, news to
// those who agreed to be contacted, and how each send is going.

import {get, post, slugPath} from "./api.js";
import {announce, backToCampaigns, campaignTabs, confirmAction, formatNumber, formatTime, h, heading, replace} from "./dom.js";
import {field, onSubmit} from "./forms.js";

const LANGUAGES = {en: "English", cy: "Welsh"};

export async function updates(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  const listing = h("div", {});

  async function load() {
    const {updates} = await get(`${path}/updates`);
    replace(listing, updates.length ? h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Updates sent"}, h("table", {class: "signatures"},
      h("thead", {}, h("tr", {}, ["Subject", "Kind", "Written", "Signers", "Delivered", "Waiting", "Bounced", "Failed", "Unsubscribed since"].map((t) => h("th", {scope: "col"}, t)))),
      h("tbody", {}, updates.map((u) => h("tr", {},
        h("th", {scope: "row"}, u.subject),
        h("td", {"data-label": "Kind"}, u.kind === "outcome" ? "Outcome" : "News"),
        h("td", {"data-label": "Written"}, formatTime(u.created_at)),
        h("td", {"data-label": "Signers"}, formatNumber(u.recipients)),
        h("td", {"data-label": "Delivered"}, formatNumber(u.sent)),
        h("td", {"data-label": "Waiting"}, formatNumber(u.queued)),
        h("td", {"data-label": "Bounced"}, formatNumber(u.bounced)),
        h("td", {"data-label": "Failed"}, formatNumber(u.failed)),
        h("td", {"data-label": "Unsubscribed since"}, formatNumber(u.unsubscribed)))))))
      : h("p", {class: "empty"}, "No updates sent yet."));
  }

  const form = onSubmit(h("form", {novalidate: true},
    field({name: "kind", label: "What it is", type: "radios", value: "outcome", options: [
      ["outcome", "An outcome: the decision-maker's answer or the campaign's result, to every confirmed signer and on the campaign's page"],
      ["news", "News: only to signers who agreed to hear from you"]]}),
    field({name: "subject", label: "Subject"}),
    field({name: "body", label: "Message", type: "textarea", rows: 8, hint: "Separate paragraphs with an empty line; **bold** and [links](https://example.org) work. Every email has a link to unsubscribe."}),
    h("p", {class: "hint", id: "test-hint"}, `A test goes to you alone (${session.user.email}), as signers will receive it, and is not recorded.`),
    // The test comes first: pressing Enter in a field sends a test, never the real thing.
    h("div", {class: "actions"},
      h("button", {type: "submit", class: "secondary", name: "test", "aria-describedby": "test-hint"}, "Send a test to me"),
      h("button", {type: "submit", name: "send"}, "Send to signers"))), async (typed, pressed) => {
    if (pressed && pressed.name === "test") {
      const tested = await post(`${path}/updates`, {kind: typed.kind, subject: typed.subject, body: typed.body, test: true});
      announce(`A test was sent to ${tested.sent_to}. Nothing was sent to signers.`, "success");
      return;
    }
    // Say how many it reaches, and in which languages, before it goes.
    const who = await get(`${path}/updates/recipients?kind=${typed.kind}`);
    const reach = `${formatNumber(who.count)} ${who.count === 1 ? "signer" : "signers"}${typed.kind === "news" ? " who agreed to hear from you" : ""}`;
    const languages = Object.entries(who.languages).map(([lang, n]) => `${formatNumber(n)} in ${LANGUAGES[lang] || lang}`).join(", ");
    const yes = await confirmAction({title: `Send it to ${reach}?`, text: (typed.kind === "outcome" ? "It goes to every confirmed signer who has not unsubscribed, and is shown on the campaign's page." : "It goes to every confirmed signer who agreed to hear from you and has not unsubscribed.") + (languages ? ` They signed in: ${languages}.` : ""), confirm: "Send it"});
    if (!yes) return;
    const sent = await post(`${path}/updates`, {kind: typed.kind, subject: typed.subject, body: typed.body});
    announce(`Queued to ${formatNumber(sent.recipients)} signers. It goes out over the next few minutes.`, "success");
    form.reset();
    await load();
  });

  await load();
  return {title: `Updates: ${campaign.title}`, nodes: [backToCampaigns(),
    heading(`Updates: ${campaign.title}`), campaignTabs(slug, "/updates", campaign.kind),
    h("section", {"aria-labelledby": "updates-title"}, h("h2", {id: "updates-title"}, "Sent"), listing,
      h("div", {class: "actions"}, h("button", {type: "button", class: "secondary", onclick: () => load()}, "Refresh"))),
    h("section", {"aria-labelledby": "write-title"}, h("h2", {id: "write-title"}, "Write to signers"), form)]};
}
