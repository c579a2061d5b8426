// For admins: the organiser accounts (adding one) and the audit log of what was done with
// signatures and partner keys.

import {get, patch, post} from "./api.js";
import {announce, formatNumber, formatTime, h, heading, replace} from "./dom.js";
import {field, onSubmit} from "./forms.js";

function adminsOnly(session) {
  if (!session.user.admin) {
    return {title: "Admins only", nodes: [heading("Admins only"), h("p", {}, "Only an admin can see this. Ask one of your admins.")]};
  }
  return null;
}

export async function organisers(session) {
  const refused = adminsOnly(session);
  if (refused) return refused;
  const listing = h("div", {});
  const naming = h("div", {});
  async function load() {
    const {users} = await get("/v1/users");
    replace(listing, h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Organisers"}, h("table", {},
      h("thead", {}, h("tr", {}, ["Email", "Organisation", "Emails sent as", "Role", "Since"].map((t) => h("th", {scope: "col"}, t)))),
      h("tbody", {}, users.map((u) => h("tr", {},
        h("th", {scope: "row"}, u.email), h("td", {}, u.organiser?.name || "–"), h("td", {}, u.sender_name || "The service's name"),
        h("td", {}, u.admin ? "Admin" : "Organiser"), h("td", {}, formatTime(u.created_at))))))));
    // The name in the From line of every email about an account's campaigns is an admin's to
    // give, so an organiser can never send as someone else.
    const senderForm = onSubmit(h("form", {novalidate: true},
      field({name: "account", label: "Account", type: "select", options: users.map((u) => [u.id, u.email])}),
      field({name: "sender_name", label: "Name their emails are sent under", hint: "The organisation's name, as signers know it. Leave empty for the service's own name.", autocomplete: "off"}),
      h("button", {type: "submit"}, "Set the sender name")), async (typed) => {
      const name = typed.sender_name.trim();
      const updated = await patch(`/v1/users/${typed.account}`, {sender_name: name || null});
      announce(updated.sender_name ? `Emails for ${updated.email} are now sent as ${updated.sender_name}.` : `Emails for ${updated.email} are now sent under the service's name.`, "success");
      await load();
    });
    replace(naming, senderForm);
  }
  // An invitation, not a password: the invitee chooses their own from the emailed link.
  const form = onSubmit(h("form", {novalidate: true},
    field({name: "email", label: "Their email address", type: "email", autocomplete: "off"}),
    field({name: "admin", label: "Make them an admin (they can see every campaign, invite organisers and read the audit log)", type: "checkbox"}),
    h("button", {type: "submit"}, "Send the invitation")), async (typed) => {
    const invited = await post("/v1/invitations", {email: typed.email.trim(), admin: typed.admin});
    form.reset();
    announce(`An invitation is on its way to ${invited.email}. Its link works once, within 72 hours; they choose their own password.`, "success");
  });
  await load();
  return {title: "Organisers", nodes: [heading("Organisers"), listing,
    h("h2", {}, "Invite an organiser"), form,
    h("h2", {}, "Who emails are sent as"), naming]};
}

const ACTIONS = [["", "Every action"], ["export", "Export"], ["review", "Review"], ["erase", "Erase"], ["purge", "Purge after retention"], ["partner_created", "Partner key issued"], ["partner_revoked", "Partner key revoked"]];

export async function audit(session) {
  const refused = adminsOnly(session);
  if (refused) return refused;
  const [{campaigns}, {users}] = await Promise.all([get("/v1/campaigns"), get("/v1/users")]);
  const slugs = new Map(campaigns.map((c) => [c.slug, c]));
  const emails = new Map(users.map((u) => [u.id, u.email]));
  const results = h("div", {});
  let filters = {campaign: "", action: ""};
  const older = [];

  async function load(after) {
    const params = new URLSearchParams({limit: "50"});
    if (filters.campaign) params.set("campaign", filters.campaign);
    if (filters.action) params.set("action", filters.action);
    if (after) params.set("after", after);
    const page = await get(`/v1/audit?${params}`);
    const title = (slug) => slugs.get(slug)?.title || slug;
    replace(results, page.entries.length ? [
      h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Audit log"}, h("table", {},
        h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Campaign", "Rows", "Detail"].map((t) => h("th", {scope: "col"}, t)))),
        h("tbody", {}, page.entries.map((e) => h("tr", {},
          h("td", {}, formatTime(e.at)), h("td", {}, e.actor_id ? emails.get(e.actor_id) || "A deleted account" : "The service"),
          h("td", {}, e.action), h("td", {}, title(e.campaign)), h("td", {class: "number"}, formatNumber(e.rows)), h("td", {}, e.detail)))))),
      h("div", {class: "actions"},
        older.length ? h("button", {type: "button", class: "secondary", onclick: () => { older.pop(); load(older[older.length - 1]); }}, "Newer entries") : null,
        page.next_after ? h("button", {type: "button", class: "secondary", onclick: () => { older.push(page.next_after); load(page.next_after); }}, "Older entries") : null),
    ] : h("p", {class: "empty"}, "Nothing has been recorded yet with these filters."));
  }
  const form = onSubmit(h("form", {class: "filters"},
    field({name: "campaign", label: "Campaign", type: "select", options: [["", "Every campaign"], ...campaigns.map((c) => [c.slug, c.title])]}),
    field({name: "action", label: "Action", type: "select", options: ACTIONS}),
    h("button", {type: "submit"}, "Filter")), async (typed) => {
    filters = typed;
    older.length = 0;
    await load(null);
  });
  await load(null);
  return {title: "Audit log", nodes: [heading("Audit log"),
    h("p", {}, "Every export, review, erasure and purge of signatures, and every partner key issued or revoked, newest first."),
    form, results]};
}
