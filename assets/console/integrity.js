// A campaign's integrity: where its signatures came from hour by hour, by address block,
// email domain and source, with what looks like a flood flagged; invalidating signatures in
// bulk after a preview, restoring them, and the addresses the campaign refuses.

import {get, post, put, slugPath} from "./api.js";
import {announce, backToCampaigns, campaignTabs, confirmAction, formatNumber, formatTime, h, heading, replace} from "./dom.js";
import {field, onSubmit} from "./forms.js";

const CRITERIA = [
  ["block", "Address block"],
  ["domain", "Email domain"],
  ["source", "Source (a partner's code, or direct)"],
  ["range", "Time range"],
  ["emails", "A list of email addresses"],
];

const percent = (x) => `${Math.round(x * 100)}%`;

/** `2026-12-01T09:00` (a datetime-local value, read as UTC) as an RFC 3339 instant. */
const instant = (local) => (local ? `${local}:00Z` : undefined);
const localOf = (iso) => (iso ? iso.slice(0, 16) : "");

function groupTable(caption, keyLabel, groups, onPick, pickLabel) {
  if (!groups.length) return h("p", {class: "empty"}, `${caption}: none in this range.`);
  return h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption},
    h("table", {class: "signatures"},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, [keyLabel, "Signatures", "Confirmed", "Confirmation rate", "Share", ""].map((t) => h("th", {scope: "col"}, t)))),
      h("tbody", {}, groups.map((g) => {
        const name = g.key ?? (keyLabel === "Source" ? "direct" : "(erased)");
        return h("tr", {},
          h("th", {scope: "row", class: "code"}, name),
          h("td", {"data-label": "Signatures"}, formatNumber(g.count)),
          h("td", {"data-label": "Confirmed"}, formatNumber(g.confirmed)),
          h("td", {"data-label": "Confirmation rate"}, percent(g.confirmation_rate)),
          h("td", {"data-label": "Share"}, percent(g.share)),
          h("td", {}, g.key === null && keyLabel !== "Source" ? null :
            h("button", {type: "button", class: "small secondary", onclick: () => onPick(name)}, pickLabel, h("span", {class: "visually-hidden"}, ` ${name}`))));
      }))));
}

export async function integrity(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  const viewArea = h("div", {});
  const previewArea = h("div", {"aria-live": "polite"});
  const pastArea = h("div", {});
  let range = {from: "", to: "", share: "20"};
  let previewed = null;

  const rangeForm = onSubmit(h("form", {novalidate: true, class: "inline-form"},
    field({name: "from", label: "From (UTC)", type: "datetime-local"}),
    field({name: "to", label: "To (UTC)", type: "datetime-local"}),
    field({name: "share", label: "Flag a block or domain above this share (%)", type: "number", value: "20", inputmode: "numeric"}),
    h("button", {type: "submit"}, "Show")), async (typed) => {
    range = {from: typed.from, to: typed.to, share: typed.share};
    await load();
  });

  async function load() {
    const query = new URLSearchParams();
    if (range.from) query.set("from", instant(range.from));
    if (range.to) query.set("to", instant(range.to));
    const share = Number(range.share);
    if (range.share !== "" && Number.isFinite(share)) query.set("share", String(share / 100));
    let view;
    try {
      view = await get(`${path}/integrity?${query}`);
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
      return;
    }
    const flagged = new Set(view.flags.filter((f) => f.kind === "hour").map((f) => f.key));
    replace(viewArea,
      h("h2", {id: "flags-title"}, "Flags"),
      view.flags.length ? h("ul", {class: "flags", "aria-labelledby": "flags-title"}, view.flags.map((f) => h("li", {},
        h("strong", {}, {hour: "Hour ", block: "Block ", domain: "Domain "}[f.kind]), h("span", {class: "code"}, f.kind === "hour" ? formatTime(f.key) : f.key), `: ${f.reason}. `,
        f.kind === "hour"
          ? h("button", {type: "button", class: "small secondary", onclick: () => pick("range", f.key)}, "Choose this hour")
          : h("button", {type: "button", class: "small secondary", onclick: () => pick(f.kind, f.key)}, "Preview invalidating", h("span", {class: "visually-hidden"}, ` ${f.key}`)))))
        : h("p", {class: "empty"}, `Nothing flagged among ${formatNumber(view.total)} signatures: no hour above five times the typical hour (${formatNumber(view.median_hour)}), no block or domain above ${percent(view.flag_share)}.`),
      h("h2", {}, "Signatures by hour"),
      view.hours.length ? h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Signatures by hour"},
        h("table", {class: "signatures"},
          h("thead", {}, h("tr", {}, ["Hour", "Confirmed", "Waiting", "Spam", "Withdrawn", "Invalidated", ""].map((t) => h("th", {scope: "col"}, t)))),
          h("tbody", {}, view.hours.map((x) => h("tr", {class: flagged.has(x.hour) ? "flagged" : null},
            h("th", {scope: "row"}, formatTime(x.hour), flagged.has(x.hour) ? h("span", {class: "tag"}, " flagged") : null),
            [["confirmed", "Confirmed"], ["pending", "Waiting"], ["spam", "Spam"], ["withdrawn", "Withdrawn"], ["invalidated", "Invalidated"]]
              .map(([k, label]) => h("td", {"data-label": label}, formatNumber(x[k]))),
            h("td", {}, h("button", {type: "button", class: "small secondary", onclick: () => pick("range", x.hour)}, "Choose", h("span", {class: "visually-hidden"}, ` ${formatTime(x.hour)}`))))))))
        : h("p", {class: "empty"}, "No signatures in this range."),
      h("h2", {}, "Where they came from"),
      h("p", {class: "hint"}, "Address blocks are named by a code made from the block: the addresses themselves are never kept."),
      groupTable("Address blocks", "Block", view.blocks, (k) => pick("block", k), "Choose"),
      groupTable("Email domains", "Domain", view.domains, (k) => pick("domain", k), "Choose"),
      groupTable("Sources", "Source", view.sources, (k) => pick("source", k), "Choose"));
  }

  const invalidateForm = onSubmit(h("form", {novalidate: true},
    field({name: "criterion", label: "Choose signatures by", type: "select", options: CRITERIA, value: "block"}),
    field({name: "value", label: "Block, domain or source", hint: "As the tables above show it; Choose fills it in."}),
    field({name: "from", label: "Signed from (UTC)", type: "datetime-local"}),
    field({name: "to", label: "Signed before (UTC)", type: "datetime-local"}),
    field({name: "emails", label: "Email addresses, one per line", type: "textarea", rows: 4}),
    field({name: "reason", label: "Why (kept in the audit log)", type: "textarea", rows: 2, hint: "Required to invalidate; not to preview."}),
    h("button", {type: "submit"}, "Preview")), async (typed) => {
    const filter = filterOf(typed);
    previewed = null;
    const figures = await post(`${path}/invalidations`, {filter, dry_run: true});
    previewed = {filter, figures};
    showPreview();
  });

  function filterOf(typed) {
    const value = typed.value.trim();
    switch (typed.criterion) {
      case "block": return {block: value};
      case "domain": return {domain: value};
      case "source": return {source: value};
      case "range": return {from: instant(typed.from), to: instant(typed.to)};
      default: return {emails: typed.emails.split(/\r?\n/).map((e) => e.trim()).filter(Boolean)};
    }
  }

  function pick(kind, key) {
    const set = (name, value) => { invalidateForm.elements[name].value = value; };
    if (kind === "range") {
      const start = new Date(key);
      set("criterion", "range");
      set("from", localOf(start.toISOString()));
      set("to", localOf(new Date(start.getTime() + 3600_000).toISOString()));
    } else {
      set("criterion", kind);
      set("value", key);
    }
    invalidateForm.requestSubmit();
  }

  function showPreview() {
    const {figures} = previewed;
    replace(previewArea, h("section", {class: "preview", "aria-labelledby": "preview-title"},
      h("h3", {id: "preview-title", tabindex: "-1"}, `${formatNumber(figures.count)} signatures would be invalidated, ${formatNumber(figures.confirmed)} of them confirmed`),
      figures.sample.length ? h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "A sample of them"},
        h("table", {class: "signatures"}, h("caption", {}, "A sample of them, newest first"),
          h("thead", {}, h("tr", {}, ["Name", "Email", "Status", "Signed"].map((t) => h("th", {scope: "col"}, t)))),
          h("tbody", {}, figures.sample.map((s) => h("tr", {},
            h("th", {scope: "row"}, s.name ?? "(erased)"), h("td", {"data-label": "Email"}, s.email ?? ""),
            h("td", {"data-label": "Status"}, s.status), h("td", {"data-label": "Signed"}, formatTime(s.signed_at))))))) : null,
      figures.count ? h("button", {type: "button", class: "danger", onclick: confirmInvalidation}, `Invalidate ${formatNumber(figures.count)} signatures`) : null));
    previewArea.querySelector("h3").focus();
  }

  async function confirmInvalidation() {
    const reason = invalidateForm.elements.reason.value.trim();
    const {filter, figures} = previewed;
    const yes = await confirmAction({title: `Invalidate ${formatNumber(figures.count)} signatures?`, text: "They leave every count and list at once. You can restore them for 30 days.", confirm: "Invalidate them"});
    if (!yes) return;
    try {
      const done = await post(`${path}/invalidations`, {filter, reason});
      announce(`${formatNumber(done.count)} signatures invalidated. They can be restored for 30 days.`, "success");
      replace(previewArea);
      previewed = null;
      await Promise.all([load(), loadPast()]);
    } catch (problem) {
      if (problem.status === 422) announce(problem.errors.map((e) => `${e.field === "reason" ? "Why" : e.field} ${e.message}`).join(". "), "error");
      else if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  async function loadPast() {
    const {invalidations} = await get(`${path}/invalidations`);
    replace(pastArea, invalidations.length ? h("ul", {class: "invalidations"}, invalidations.map((x) => h("li", {},
      h("p", {}, h("strong", {}, `${formatNumber(x.count)} signatures`), ` (${formatNumber(x.confirmed)} confirmed), ${formatTime(x.created_at)}: ${x.reason}`),
      h("p", {class: "hint"}, `Chosen by ${Object.entries(x.filter).map(([k, v]) => k === "emails" ? `a list of ${v} emails` : `${k} ${v}`).join(", ")}.`,
        x.restored_at ? ` Restored ${formatTime(x.restored_at)}.` : ` Restorable until ${formatTime(x.restorable_until)}.`),
      x.restored_at || new Date(x.restorable_until) < new Date() ? null :
        h("button", {type: "button", class: "small secondary", onclick: () => restore(x)}, "Restore", h("span", {class: "visually-hidden"}, ` the ${x.count} signatures invalidated ${formatTime(x.created_at)}`)))))
      : h("p", {class: "empty"}, "Nothing invalidated yet."));
  }

  async function restore(x) {
    const yes = await confirmAction({title: `Restore ${formatNumber(x.count)} signatures?`, text: "They count again at once, as they did before.", confirm: "Restore them", tone: ""});
    if (!yes) return;
    try {
      const done = await post(`${path}/invalidations/${x.id}/restore`, {});
      announce(`${formatNumber(done.count)} signatures restored.`, "success");
      await Promise.all([load(), loadPast()]);
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  const blocklist = await get(`${path}/blocklist`);
  const blockForm = onSubmit(h("form", {novalidate: true},
    field({name: "domains", label: "Refuse these email domains and patterns, one per line", type: "textarea", rows: 4, value: blocklist.domains.join("\n"),
      hint: "example.org refuses it and its subdomains; *.example.org only its subdomains; bot*@example.net any address that matches."}),
    field({name: "disposable", label: "Refuse throwaway inboxes too (about 10,000 known domains, like mailinator.com)", type: "checkbox", value: blocklist.disposable}),
    h("button", {type: "submit"}, "Save the blocklist")), async (typed) => {
    const lines = typed.domains.split(/\r?\n/).map((d) => d.trim()).filter(Boolean);
    const saved = await put(`${path}/blocklist`, {domains: lines, disposable: typed.disposable});
    blockForm.elements.domains.value = saved.domains.join("\n");
    announce(`The blocklist is saved: ${saved.domains.length} entries${saved.disposable ? ", and throwaway inboxes" : ""}.`, "success");
  });

  await Promise.all([load(), loadPast()]);
  const title = `Integrity: ${campaign.title}`;
  return {title, nodes: [backToCampaigns(), heading(title), campaignTabs(slug, "/integrity", campaign.kind),
    h("p", {}, "Where this campaign's signatures came from, to see a flood and take it out of the count, with a record of why."),
    h("section", {"aria-labelledby": "range-title"}, h("h2", {id: "range-title", class: "visually-hidden"}, "Range"), rangeForm),
    viewArea,
    h("section", {"aria-labelledby": "invalidate-title"}, h("h2", {id: "invalidate-title"}, "Invalidate signatures"),
      h("p", {}, "Choose the signatures, see how many and a sample, then confirm with a reason. Invalidated signatures leave every count at once and can be restored for 30 days."),
      invalidateForm, previewArea),
    h("section", {"aria-labelledby": "past-title"}, h("h2", {id: "past-title"}, "Invalidated before"), pastArea),
    h("section", {"aria-labelledby": "blocklist-title"}, h("h2", {id: "blocklist-title"}, "Blocklist"),
      h("p", {}, "A refused address is answered as any signer is, so a bot learns nothing; its signature is kept apart and never counted."),
      blockForm)]};
}
