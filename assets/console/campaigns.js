// The campaigns an organiser runs (an admin: all), creating and editing one, and the
// organisation named to signers.

import {get, patch, post, slugPath} from "./api.js";
import {logoEditor} from "./brand.js";
import {announce, backToCampaigns, campaignTabs, confirmAction, formatNumber, formatTime, h, heading, navigate} from "./dom.js";
import {field, onSubmit} from "./forms.js";

const STATUS = {draft: "Draft", open: "Open", closed: "Closed"};

export function statusTag(status) {
  return h("span", {class: `tag ${status}`}, STATUS[status] || status);
}

export async function list(session) {
  const {campaigns} = await get("/v1/campaigns");
  const title = session.user.admin ? "All campaigns" : "Your campaigns";
  const create = h("p", {}, h("a", {href: "#/campaigns/new", class: "button"}, "Create a campaign"));
  if (!campaigns.length) {
    const identity = session.user.organiser;
    return {title, nodes: [heading(title),
      h("div", {class: "empty"},
        h("p", {}, "You have no campaigns yet."),
        h("ol", {},
          identity && identity.name ? null : h("li", {}, h("a", {href: "#/account"}, "Say which organisation runs your campaigns"), ": signers are told who is asking before they agree to be contacted."),
          h("li", {}, "Create a campaign: a petition for many individuals, or an open letter that organisations and experts sign by name. It stays a draft, seen only by you, until you open it."),
          h("li", {}, "Open it, then share its form or embed it on your partners' websites."))),
      create]};
  }
  const counts = await Promise.all(campaigns.map((c) =>
    get(`${slugPath(c.slug)}/signatures/count`).catch(() => null)));
  const rows = campaigns.map((c, i) => {
    const count = counts[i];
    return h("tr", {},
      h("th", {scope: "row"}, h("a", {href: `#/c/${encodeURIComponent(c.slug)}`}, c.title), h("span", {class: "slug"}, c.slug)),
      h("td", {}, {letter: "Letter", pledge: "Pledge"}[c.kind] || "Petition"),
      h("td", {}, statusTag(c.status)),
      h("td", {class: "number"}, count ? formatNumber(count.total) : "–"),
      h("td", {class: "number"}, count ? formatNumber(count.pending) : "–"));
  });
  return {title, nodes: [heading(title), create,
    h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Campaigns"},
      h("table", {},
        h("thead", {}, h("tr", {}, ["Campaign", "Kind", "Status", "Signatures", "Pending"].map((t, i) =>
          h("th", {scope: "col", class: i > 2 ? "number" : null}, t)))),
        h("tbody", {}, rows)))]};
}

/** Text as an ISO time in UTC, from a datetime-local field (in the organiser's own zone). */
function fromLocalTime(text) {
  if (!text) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? text : time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function toLocalTime(iso) {
  if (!iso) return "";
  const time = new Date(iso);
  const local = new Date(time.getTime() - time.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

/** A number if the text is a whole number, else the text itself (refused by the API with a
 * message beside its field). */
function whole(text) {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** The parts of a campaign's text that can be given in its other language. */
const TEXT_PARTS = ["title", "summary", "body", "recipient", "consent_public_text", "consent_contact_text"];
const LANGUAGES = {en: "English", cy: "Welsh (Cymraeg)"};

/** What a campaign's translation into its other language holds, by part, for the form. */
function translationFields(c) {
  const other = c.lang === "cy" ? "en" : "cy";
  const texts = (c.translations || {})[other] || {};
  return Object.fromEntries(TEXT_PARTS.map((part) => [`translation.${part}`, texts[part] || ""]));
}

/** The request body a campaign form stands for. */
function campaignBody(typed) {
  const body = {
    title: typed.title,
    summary: typed.summary,
    body: typed.body,
    recipient: typed.recipient.trim() || null,
    target: typed.target.trim() ? whole(typed.target) : null,
    milestones: typed.milestones.split(/[\s,]+/).filter(Boolean).map(whole),
    closes_at: fromLocalTime(typed.closes_at),
    require_confirmation: typed.require_confirmation,
    allowed_origins: typed.allowed_origins.split(/\s+/).filter(Boolean),
    retention_days: whole(typed.retention_days),
    contact_basis: typed.contact_basis,
    consent_public_text: typed.consent_public_text,
    consent_contact_text: typed.consent_contact_text,
    organiser: {
      name: typed["organiser.name"].trim() || null,
      privacy_url: typed["organiser.privacy_url"].trim() || null,
      contact_email: typed["organiser.contact_email"].trim() || null,
    },
    colour: typed.colour.trim() || null,
  };
  // Who can sign: the campaign's language and its words in the other one, young signers, and
  // proof of work against bots.
  body.lang = typed.lang;
  const other = typed.lang === "cy" ? "en" : "cy";
  const texts = {};
  for (const part of TEXT_PARTS) {
    const value = (typed[`translation.${part}`] || "").trim();
    if (value) texts[part] = value;
  }
  body.translations = Object.keys(texts).length ? {[other]: texts} : {};
  body.young_signers = typed.young_signers;
  body.young_retention_days = whole(typed.young_retention_days);
  body.require_proof_of_work = typed.require_proof_of_work;
  body.invite_reasons = typed.invite_reasons;
  body.targets = typed.targets.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [name = "", role = "", email = ""] = line.split("|").map((part) => part.trim());
    return email ? {name, role, email} : {name, role};
  });
  // Only a pledge is renewed; its field is there only when the campaign may be one.
  if (typed.renew_after_months !== undefined && (typed.kind ?? typed.existing_kind) === "pledge") {
    body.renew_after_months = typed.renew_after_months.trim() ? whole(typed.renew_after_months) : null;
  }
  if (typed.kind !== undefined) { body.kind = typed.kind; body.slug = typed.slug.trim(); }
  return body;
}

/** Only what changed, so that an edit leaves the rest as it is (default consent wording, for
 * one, keeps following the organiser's name unless it is rewritten). */
function changes(before, after) {
  const changed = {};
  for (const [key, value] of Object.entries(after)) {
    if (key === "organiser") {
      const parts = Object.fromEntries(Object.entries(value).filter(([part, v]) => v !== before.organiser[part]));
      if (Object.keys(parts).length) changed.organiser = parts;
    } else if (JSON.stringify(value) !== JSON.stringify(before[key])) {
      changed[key] = value;
    }
  }
  return changed;
}

function targetLines(targets) {
  return (targets || []).map((t) => [t.name, t.role, t.email].filter(Boolean).join(" | ")).join("\n");
}

function campaignFields(c, creating, account) {
  const fallback = (part) => account && account[part] ? `Left empty, your account's is used: ${account[part]}.` : "Left empty, your account's is used; set one there or here before opening.";
  return [
    creating ? field({name: "kind", label: "Kind of campaign", type: "radios", value: c.kind, options: [
      ["petition", "Petition: many individuals sign with a name, an email and a postcode or country"],
      ["letter", "Open letter: organisations and individuals sign, listed by name, role and organisation"],
      ["pledge", "Pledge: organisations (and individuals) commit in public, each with a page and a badge that verify it"]]}) : null,
    creating ? field({name: "slug", label: "Short name for its address", value: c.slug, autocomplete: "off",
      hint: "Lower-case letters, digits and hyphens, like scrapsi445. It cannot change later."}) : null,
    field({name: "title", label: "Title", value: c.title}),
    field({name: "summary", label: "Summary", type: "textarea", rows: 2, value: c.summary, hint: "One or two sentences, shown on the form and when shared."}),
    field({name: "body", label: "Text", type: "textarea", rows: 8, value: c.body, hint: "What signers put their name to. Separate paragraphs with an empty line."}),
    field({name: "recipient", label: "Addressed to (optional)", value: c.recipient || "", hint: "Who the campaign is handed to, like the Secretary of State for Education."}),
    field({name: "targets", label: "Decision-makers it is handed in to (optional)", type: "textarea", rows: 3, value: targetLines(c.targets),
      hint: "One per line: name | role | email, like Children's Minister | Minister for Children and Families | minister@education.gov.uk. Names and roles are public; an email is used only to deliver a hand-in."}),
    field({name: "target", label: "Target (optional)", inputmode: "numeric", value: c.target ?? ""}),
    field({name: "milestones", label: "Milestones (optional)", value: (c.milestones || []).join(", "), hint: "Counts to celebrate on the way, separated by commas, like 1000, 10000."}),
    field({name: "closes_at", label: "Closes at (optional)", type: "datetime-local", value: toLocalTime(c.closes_at), hint: "In your own time zone. Left empty, it stays open until you close it."}),
    field({name: "require_confirmation", label: "Signatures count once the signer confirms by email", type: "checkbox", value: c.require_confirmation}),
    field({name: "allowed_origins", label: "Websites that may show the form (optional)", type: "textarea", rows: 3, value: (c.allowed_origins || []).join("\n"),
      hint: "One per line, like https://www.article39.org.uk. Signatures are taken from these sites' pages and no others."}),
    creating || c.kind === "pledge" ? field({name: "renew_after_months", label: "Pledges: renew every (months, optional)", inputmode: "numeric", value: c.renew_after_months ?? "",
      hint: "For a pledge only. Each pledger is asked to renew a month before; a pledge not renewed lapses, stops counting and its badge shows not verified. Left empty, pledges hold for good."}) : null,
    field({name: "retention_days", label: "Keep signers' details for (days)", inputmode: "numeric", value: c.retention_days ?? 180,
      hint: "Counted from when the campaign closes; then names, emails and postcodes are erased."}),
    h("fieldset", {class: "group"}, h("legend", {}, "What signers agree to"),
      field({name: "consent_public_text", label: "Words beside the box to be listed publicly", type: "textarea", rows: 2, value: c.consent?.public_text || "", hint: creating ? "Left empty, standard words are used." : null}),
      field({name: "consent_contact_text", label: "Words beside the box to be contacted", type: "textarea", rows: 3, value: c.consent?.contact_text || "", hint: creating ? "Left empty, standard words name your organisation." : null}),
      field({name: "contact_basis", label: "Basis for contacting signers", type: "select", value: c.consent?.contact_basis || "consent", options: [
        ["consent", "Consent: the box starts unticked"],
        ["soft_opt_in", "Soft opt-in: for existing supporters, the box starts ticked"]]})),
    h("fieldset", {class: "group"}, h("legend", {}, "Who can sign"),
      field({name: "lang", label: "Language of the campaign's words", type: "select", value: c.lang || "en", options: Object.entries(LANGUAGES),
        hint: "Signers see the form in English or Welsh, as their browser asks or as they choose; this language is for everyone else."}),
      h("p", {class: "hint"}, `Its words in the other language (optional): each part left empty is shown in the campaign's own language. Have a speaker of that language check them.`),
      field({name: "translation.title", label: "Title, in the other language", value: translationFields(c)["translation.title"]}),
      field({name: "translation.summary", label: "Summary, in the other language", type: "textarea", rows: 2, value: translationFields(c)["translation.summary"]}),
      field({name: "translation.body", label: "Text, in the other language", type: "textarea", rows: 6, value: translationFields(c)["translation.body"]}),
      field({name: "translation.recipient", label: "Addressed to, in the other language", value: translationFields(c)["translation.recipient"]}),
      field({name: "translation.consent_public_text", label: "Words beside the box to be listed, in the other language", type: "textarea", rows: 2, value: translationFields(c)["translation.consent_public_text"]}),
      field({name: "translation.consent_contact_text", label: "Words beside the box to be contacted, in the other language", type: "textarea", rows: 2, value: translationFields(c)["translation.consent_contact_text"]}),
      field({name: "young_signers", label: "Children and young people may sign", type: "checkbox", value: !!c.young_signers,
        hint: "Signers give an age band. Under 18: never contacted nor listed by name, only the first part of the postcode kept. Under 13: a parent or carer confirms by email. Not for pledges."}),
      field({name: "young_retention_days", label: "Keep young signers' details for (days)", inputmode: "numeric", value: c.young_retention_days ?? 30,
        hint: "Counted from when the campaign closes; at most as long as everyone else's."}),
      field({name: "require_proof_of_work", label: "Ask signers' browsers for a proof of work against bots", type: "checkbox", value: !!c.require_proof_of_work,
        hint: "The form solves a small puzzle as it is sent, with no third party. Signatures sent without JavaScript are held for you to approve."}),
      field({name: "invite_reasons", label: "Ask signers why it matters to them", type: "checkbox", value: !!c.invite_reasons,
        hint: "An optional box of up to 500 characters, never shown to under-18s. You read each reason before it appears on the page, under Signatures."})),
    h("fieldset", {class: "group"}, h("legend", {}, "Who is asking"),
      h("p", {class: "hint"}, "Signers are told who runs the campaign, how their details are used, and where to write. A campaign opens only once all three are known."),
      field({name: "organiser.name", label: "Organisation", value: c.own_organiser?.name || "", hint: fallback("name")}),
      field({name: "organiser.privacy_url", label: "Privacy notice (web address)", type: "url", value: c.own_organiser?.privacy_url || "", hint: fallback("privacy_url")}),
      field({name: "organiser.contact_email", label: "Contact email", type: "email", value: c.own_organiser?.contact_email || "", hint: fallback("contact_email")})),
    h("fieldset", {class: "group"}, h("legend", {}, "Its look"),
      field({name: "colour", label: "Main colour (optional)", value: c.colour || "", autocomplete: "off",
        hint: account && account.colour ? `Written like #1d70b8. Left empty, your organisation's is used: ${account.colour}.` : "Written like #1d70b8. Left empty, your organisation's is used, or the service's own."})),
  ];
}

// The parts of a campaign that are its text: a change to them after signing makes a version.
const VERSIONED_PARTS = ["title", "summary", "body", "recipient", "translations"];

// The versions of a campaign's text, with when each was given, who replaced it and how many signed.
function textVersions(slug, versions) {
  if (versions.length < 2) return null;
  return h("section", {"aria-labelledby": "versions-title"}, h("h2", {id: "versions-title"}, "Versions of the text"),
    h("ul", {class: "versions"}, versions.map((v) => h("li", {},
      `Version ${v.version}${v.current ? " (current)" : ""}: given from ${formatTime(v.from)}${v.until ? ` until ${formatTime(v.until)}` : ""}; ${formatNumber(v.signed)} signed it${v.replaced_by ? `; replaced by ${v.replaced_by}` : ""}. `,
      v.current ? null : h("a", {href: `/c/${encodeURIComponent(slug)}/versions/${v.version}`}, `Read version ${v.version}`)))));
}

export async function edit(session, slug) {
  const creating = slug === null;
  const account = session.user.organiser || {};
  let campaign = {kind: "petition", slug: "", title: "", summary: "", body: "", milestones: [], require_confirmation: true, allowed_origins: [], retention_days: 180, lang: "en", translations: {}, young_signers: false, young_retention_days: 30, require_proof_of_work: false, invite_reasons: false};
  let versions = [];
  if (!creating) {
    campaign = await get(slugPath(slug));
    ({versions} = await get(`${slugPath(slug)}/versions`));
    // What the campaign holds itself, apart from what it takes from the account.
    campaign.own_organiser = Object.fromEntries(Object.entries(campaign.organiser || {})
      .map(([part, value]) => [part, value && value !== account[part] ? value : ""]));
  }
  const title = creating ? "Create a campaign" : `Edit: ${campaign.title}`;
  const before = creating ? null : campaignBody({
    title: campaign.title, summary: campaign.summary, body: campaign.body, recipient: campaign.recipient || "",
    target: String(campaign.target ?? ""), milestones: campaign.milestones.join(","), closes_at: toLocalTime(campaign.closes_at),
    require_confirmation: campaign.require_confirmation, allowed_origins: (campaign.allowed_origins || []).join("\n"),
    retention_days: String(campaign.retention_days), contact_basis: campaign.consent.contact_basis,
    existing_kind: campaign.kind, targets: targetLines(campaign.targets), renew_after_months: campaign.kind === "pledge" ? String(campaign.renew_after_months ?? "") : undefined,
    consent_public_text: campaign.consent.public_text, consent_contact_text: campaign.consent.contact_text,
    "organiser.name": campaign.own_organiser.name, "organiser.privacy_url": campaign.own_organiser.privacy_url,
    "organiser.contact_email": campaign.own_organiser.contact_email,
    lang: campaign.lang, young_signers: campaign.young_signers, young_retention_days: String(campaign.young_retention_days),
    require_proof_of_work: campaign.require_proof_of_work, invite_reasons: campaign.invite_reasons, colour: campaign.colour || "", ...translationFields(campaign)});
  const form = onSubmit(h("form", {novalidate: true, class: "campaign-form"},
    campaignFields(campaign, creating, account),
    h("div", {class: "actions"},
      h("button", {type: "submit"}, creating ? "Create the draft" : "Save changes"),
      creating ? h("a", {href: "#/campaigns"}, "Cancel") : h("a", {href: `#/c/${encodeURIComponent(slug)}`}, "Cancel"))),
  async (typed) => {
    const body = campaignBody({...typed, existing_kind: campaign.kind});
    if (creating) {
      if (!body.consent_public_text.trim()) delete body.consent_public_text;
      if (!body.consent_contact_text.trim()) delete body.consent_contact_text;
      for (const key of ["recipient", "target", "closes_at", "renew_after_months", "colour"]) if (body[key] === null) delete body[key];
      const parts = Object.entries(body.organiser).filter(([, v]) => v !== null);
      if (parts.length) body.organiser = Object.fromEntries(parts); else delete body.organiser;
      const created = await post("/v1/campaigns", body);
      navigate(`#/c/${encodeURIComponent(created.slug)}`, `The draft “${created.title}” is saved. Only you can see it until you open it.`);
    } else {
      const changed = changes(before, body);
      if (!Object.keys(changed).length) { announce("Nothing has changed."); return; }
      // After people have signed, the text changes only as a new version that they do not get.
      const signed = versions.reduce((n, v) => n + v.signed, 0);
      const textChanged = Object.keys(changed).filter((part) => VERSIONED_PARTS.includes(part));
      if (signed > 0 && textChanged.length) {
        const now = campaign.text.version;
        const yes = await confirmAction({title: `Save the text as version ${now + 1}?`,
          text: `${formatNumber(signed)} ${signed === 1 ? "person has" : "people have"} signed version ${now}. Their signatures keep it, and it stays readable from the campaign's page; whoever signs from now on is given version ${now + 1}. Changed: ${textChanged.join(", ")}.`,
          confirm: `Save as version ${now + 1}`});
        if (!yes) return;
      }
      const saved = await patch(slugPath(slug), changed);
      navigate(`#/c/${encodeURIComponent(saved.slug)}`, "Your changes are saved.");
    }
  });
  const logo = creating ? null : logoEditor({
    path: `${slugPath(slug)}/logo`,
    current: campaign.logo_url,
    name: campaign.organiser?.name,
    label: "This campaign's own logo (optional)",
    after: () => {},
  });
  return {title, nodes: [backToCampaigns(), heading(title), creating ? null : campaignTabs(slug, "/edit", campaign.kind),
    creating ? null : textVersions(slug, versions), form,
    logo ? h("p", {class: "hint"}, "Without a logo of its own, the campaign shows your organisation's.") : null, logo]};
}

export async function account(session) {
  const me = await get("/v1/users/me");
  session.user = me;
  const identity = me.organiser || {};
  const form = onSubmit(h("form", {novalidate: true},
    field({name: "organiser.name", label: "Organisation", value: identity.name || "", hint: "As signers know it, like Article 39."}),
    field({name: "organiser.privacy_url", label: "Privacy notice (web address)", type: "url", value: identity.privacy_url || "", hint: "Where signers read how you use their details. It must start https://."}),
    field({name: "organiser.contact_email", label: "Contact email", type: "email", value: identity.contact_email || "", hint: "Replies to every email signers get go here."}),
    field({name: "organiser.website", label: "Website (optional)", type: "url", value: identity.website || "", hint: "Your organisation's own site, starting https://."}),
    field({name: "organiser.colour", label: "Main colour (optional)", value: identity.colour || "", autocomplete: "off",
      hint: "Written like #1d70b8: the pages' header and buttons, the top of every email and the picture a shared link shows. A colour on which neither white nor dark text can be read is refused, with the nearest one that can."}),
    h("button", {type: "submit"}, "Save")), async (typed) => {
    session.user = await patch("/v1/users/me", {organiser: {
      name: typed["organiser.name"].trim() || null,
      privacy_url: typed["organiser.privacy_url"].trim() || null,
      contact_email: typed["organiser.contact_email"].trim() || null,
      website: typed["organiser.website"].trim() || null,
      colour: typed["organiser.colour"].trim() || null,
    }});
    announce("Saved. Campaigns that set none of their own take these; open campaigns keep what they opened with.", "success");
  });
  const logo = logoEditor({
    path: "/v1/users/me/logo",
    current: identity.logo_url,
    name: identity.name,
    label: "Your logo",
    after: (user) => { session.user = user; },
  });
  return {title: "Your organisation", nodes: [heading("Your organisation"),
    h("p", {}, `Signed in as ${me.email}${me.admin ? " (admin)" : ""}.`),
    h("p", {}, "Signers are told who runs a campaign before they agree to be contacted: in the form, in every email and on every page. Set it once here; a campaign can set its own instead."),
    form, logo]};
}
