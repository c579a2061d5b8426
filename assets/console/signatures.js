// A campaign's signatures (searching, paging, moderating, erasing, exporting) and its
// partners with the snippets that embed its form.

import {get, patch, post, remove, api, slugPath} from "./api.js";
import {announce, backToCampaigns, campaignTabs, confirmAction, copyButton, download, formatNumber, formatTime, h, heading, replace} from "./dom.js";
import {field, onSubmit} from "./forms.js";

const STATUSES = [["", "Any but spam"], ["pending", "Waiting for confirmation"], ["confirmed", "Confirmed"], ["withdrawn", "Withdrawn or erased"], ["lapsed", "Lapsed (pledges not renewed)"], ["spam", "Spam"]];
const REVIEW = {pending: "Not yet reviewed", approved: "Approved", rejected: "Rejected", held: "Held: sent without JavaScript"};
const AGE_BANDS = {"under-13": "Under 13", "13-15": "13 to 15", "16-17": "16 or 17", "18-plus": "18 or over"};

function query(filters, extra = {}) {
  const params = new URLSearchParams();
  if (filters.q && filters.q.trim()) params.set("q", filters.q.trim());
  if (filters.status) params.set("status", filters.status);
  if (filters.contact) params.set("contact", "true");
  for (const [key, value] of Object.entries(extra)) if (value !== null && value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function who(signature) {
  return signature.name || "An erased signatory";
}

export async function list(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  // Letters and pledges list their signatories by name, role and organisation, once approved.
  const letter = campaign.kind === "letter" || campaign.kind === "pledge";
  const pledge = campaign.kind === "pledge";
  let filters = {q: "", status: "", contact: false};
  const pages = [null];
  const results = h("div", {});
  const summary = h("p", {class: "hint", "aria-live": "polite"});

  async function load(after) {
    const page = await get(`${path}/signatures${query(filters, {after, limit: 50})}`);
    const rows = page.signatures.map((s) => row(s));
    const table = h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Signatures"},
      h("table", {class: "signatures"},
        h("thead", {}, h("tr", {}, ["Name", "Email", letter ? "Role and organisation" : "Postcode or country", pledge ? "Website and badge" : null, "Status", letter ? "Review" : null, "Signed", "Actions"].filter(Boolean).map((t) => h("th", {scope: "col"}, t)))),
        h("tbody", {}, rows)));
    const paging = h("div", {class: "actions"},
      pages.length > 1 ? h("button", {type: "button", class: "secondary", onclick: () => { pages.pop(); load(pages[pages.length - 1]); }}, "Previous page") : null,
      page.next_after ? h("button", {type: "button", class: "secondary", onclick: () => { pages.push(page.next_after); load(page.next_after); }}, "Next page") : null);
    replace(results, page.signatures.length ? [table, paging] : h("p", {class: "empty"}, filters.q || filters.status || filters.contact ? "No signature matches these filters." : "No one has signed yet."));
    summary.textContent = page.signatures.length ? `Showing ${page.signatures.length} signature${page.signatures.length === 1 ? "" : "s"}${page.next_after ? "; there are more" : ""}.` : "";
  }

  function row(s) {
    const erased = s.status === "erased";
    // Each cell names its column, for phones, where the rows are shown as cards.
    const cells = [
      h("th", {scope: "row"}, who(s), s.possible_duplicate ? h("span", {class: "tag warning", title: "Another live signature on this campaign may be from the same inbox"}, "Possible duplicate") : null,
        s.signatory_type === "organisation" ? h("span", {class: "tag"}, "Organisation") : null,
        s.age_band ? h("span", {class: "tag"}, AGE_BANDS[s.age_band] || s.age_band) : null,
        s.review === "held" ? h("span", {class: "tag warning", title: "Not counted until you approve it"}, "Held for review") : null),
      h("td", {class: "email", "data-label": "Email"}, s.email || ""),
      letter ? h("td", {"data-label": "Role and organisation"}, [s.role, s.organisation].filter(Boolean).join(", ")) : h("td", {"data-label": "Postcode or country"}, s.postcode || s.country),
      pledge ? h("td", {"data-label": "Website and badge"},
        s.website ? h("a", {href: s.website, rel: "noopener noreferrer", target: "_blank"}, s.website) : null,
        s.verify_url && !erased ? h("div", {}, h("a", {href: s.verify_url, target: "_blank", rel: "noopener"}, "Verification page", h("span", {class: "visually-hidden"}, ` of ${who(s)}`))) : null) : null,
      h("td", {"data-label": "Status"}, s.status),
      letter ? h("td", {"data-label": "Review"}, REVIEW[s.review] || s.review) : null,
      h("td", {"data-label": "Signed"}, formatTime(s.signed_at)),
    ];
    const actions = h("td", {class: "row-actions"});
    // A held signature (a petition's too) waits for a decision; a letter's every signatory does.
    const reviewed = letter || s.review === "held";
    if (reviewed && !erased && s.review !== "approved") actions.append(h("button", {type: "button", class: "small", onclick: () => review(s, "approved")}, "Approve", h("span", {class: "visually-hidden"}, ` ${who(s)}`)));
    if (reviewed && !erased && s.review !== "rejected") actions.append(h("button", {type: "button", class: "small secondary", onclick: () => review(s, "rejected")}, "Reject", h("span", {class: "visually-hidden"}, ` ${who(s)}`)));
    if (!erased) actions.append(h("button", {type: "button", class: "small danger", onclick: () => erase(s)}, "Erase", h("span", {class: "visually-hidden"}, ` ${who(s)}`)));
    return h("tr", {}, cells, actions);
  }

  async function review(s, decision) {
    try {
      await patch(`${path}/signatures/${s.id}`, {review: decision});
      announce(`${who(s)} is ${decision === "approved" ? (pledge ? "approved: listed, and its verification page and badge now verify the pledge" : letter ? "approved: listed on the letter if they agreed to be" : "approved: counted") : "rejected: not listed and not counted"}.`, "success");
      await load(pages[pages.length - 1]);
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  async function erase(s) {
    const yes = await confirmAction({
      title: `Erase ${who(s)}’s signature?`,
      text: `${who(s)}’s name, email and postcode are deleted and the signature leaves the count. This cannot be undone. Do it when they ask to be forgotten.`,
      confirm: `Erase ${who(s)}`,
    });
    if (!yes) return;
    try {
      await remove(`${path}/signatures/${s.id}`);
      announce(`${who(s)}’s signature is erased.`, "success");
      await load(pages[pages.length - 1]);
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  async function exportAs(format) {
    try {
      announce("Preparing the export…");
      const blob = await api("GET", `${path}/signatures/export${query(filters, {format})}`, {accept: format === "csv" ? "text/csv" : "application/x-ndjson", blob: true});
      download(blob, `${slug}-signatures-${new Date().toISOString().slice(0, 10)}.${format}`);
      announce(`The ${format === "csv" ? "CSV" : "NDJSON"} export is downloaded.`, "success");
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  const form = onSubmit(h("form", {class: "filters", role: "search", "aria-label": "Signatures"},
    field({name: "q", label: "Search", type: "search", hint: "Part of a name, an email address or an organisation."}),
    field({name: "status", label: "Status", type: "select", options: STATUSES}),
    field({name: "contact", label: "Only those who agreed to be contacted", type: "checkbox"}),
    h("button", {type: "submit"}, "Search")), async (typed) => {
    filters = typed;
    pages.length = 1;
    await load(null);
  });
  await load(null);
  return {title: `Signatures: ${campaign.title}`, nodes: [backToCampaigns(),
    heading(`Signatures: ${campaign.title}`), campaignTabs(slug, "/signatures"),
    pledge ? h("p", {}, "Pledgers are listed, and their verification pages and badges verify, only once you approve them. Possible duplicates share an inbox with another signature.")
      : letter ? h("p", {}, "Signatories are listed on the letter only once you approve them. Possible duplicates share an inbox with another signature.") : null,
    form,
    h("div", {class: "actions"},
      h("button", {type: "button", class: "secondary", onclick: () => exportAs("csv")}, "Export CSV"),
      h("button", {type: "button", class: "secondary", onclick: () => exportAs("ndjson")}, "Export NDJSON"),
      h("p", {class: "hint"}, "Exports hold every signature the filters above keep, and are written to the audit log.")),
    summary, results]};
}

function snippetBlock(label, copyLabel, text, id) {
  return h("div", {class: "snippet"},
    h("label", {for: id}, label),
    h("textarea", {id, readonly: true, rows: 3, class: "code"}, text),
    copyButton(copyLabel, () => text));
}

export async function partners(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  const listing = h("div", {});
  const issued = h("div", {});
  const embedding = h("div", {});

  async function loadPartners() {
    const {partners} = await get(`${path}/partners`);
    if (!partners.length) { replace(listing, h("p", {class: "empty"}, "No partners yet. Add one for each organisation that collects signatures on its own website, so that what each brings is counted.")); return; }
    replace(listing, h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Partners"}, h("table", {},
      h("thead", {}, h("tr", {}, ["Partner", "Code", "Confirmed", "Pending", "Key", "Actions"].map((t, i) => h("th", {scope: "col", class: i === 2 || i === 3 ? "number" : null}, t)))),
      h("tbody", {}, partners.map((p) => h("tr", {},
        h("th", {scope: "row"}, p.name), h("td", {}, h("code", {}, p.code)),
        h("td", {class: "number"}, formatNumber(p.signatures)), h("td", {class: "number"}, formatNumber(p.pending)),
        h("td", {}, p.revoked_at ? `Revoked ${formatTime(p.revoked_at)}` : "Live"),
        h("td", {}, p.revoked_at ? "" : h("button", {type: "button", class: "small danger", onclick: () => revoke(p)}, "Revoke", h("span", {class: "visually-hidden"}, ` ${p.name}’s key`)))))))));
  }

  async function revoke(p) {
    const yes = await confirmAction({title: `Revoke ${p.name}’s key?`, text: `Their server can no longer submit signatures with it, from the next request. The ${formatNumber(p.signatures)} signatures they brought stay credited to them. You can issue them a new key later.`, confirm: "Revoke the key"});
    if (!yes) return;
    try {
      await remove(`${path}/partners/${encodeURIComponent(p.code)}`);
      announce(`${p.name}’s key is revoked.`, "success");
      await loadPartners();
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  async function loadSnippets(source) {
    const snippets = await get(`${path}/embed${source ? `?source=${encodeURIComponent(source)}` : ""}`);
    replace(embedding,
      snippets.warnings.length ? h("div", {class: "notice"}, h("ul", {}, snippets.warnings.map((w) => h("li", {}, w.charAt(0).toUpperCase() + w.slice(1) + ".")))) : null,
      snippetBlock("Script snippet", "Copy the script snippet", snippets.script, "snippet-script"),
      h("p", {class: "hint"}, "Paste it into a Custom HTML block. It sizes the form to fit."),
      snippetBlock("Frame snippet", "Copy the frame snippet", snippets.iframe, "snippet-iframe"),
      h("p", {class: "hint"}, snippets.iframe_note),
      snippetBlock("WordPress shortcode", "Copy the shortcode", snippets.wordpress_shortcode, "snippet-shortcode"),
      h("p", {class: "hint"}, "For sites with the Undersigned WordPress plugin."),
      h("h3", {}, "Preview"),
      h("iframe", {src: snippets.form_url, title: `Preview of the signing form for ${campaign.title}`, class: "preview", loading: "lazy"}),
      h("p", {class: "hint"}, "This is the real form: a signature made here counts."));
  }

  const addForm = onSubmit(h("form", {novalidate: true},
    field({name: "name", label: "Partner's name", hint: "Like NYAS."}),
    field({name: "code", label: "Code", hint: "Lower-case letters, digits and hyphens, like nyas. Signatures from their site or server are credited to it.", autocomplete: "off"}),
    h("button", {type: "submit"}, "Add the partner")), async (typed) => {
    const created = await post(`${path}/partners`, {code: typed.code.trim(), name: typed.name.trim()});
    const keyId = "new-partner-key";
    replace(issued, h("div", {class: "key-once", role: "region", "aria-labelledby": "key-title", tabindex: "-1"},
      h("h3", {id: "key-title"}, `${created.name}’s API key`),
      h("p", {}, "Copy it now and send it to them safely: it is shown only this once. Their server sends it as a bearer token when it submits signatures."),
      h("label", {for: keyId, class: "visually-hidden"}, "API key"),
      h("input", {id: keyId, readonly: true, value: created.key, class: "code"}),
      copyButton("Copy the key", () => created.key)));
    issued.firstChild.focus();
    addForm.reset();
    await loadPartners();
    await loadSnippets(created.code);
  });
  const sourceForm = onSubmit(h("form", {class: "inline"},
    field({name: "source", label: "Credit the form to a partner's code (optional)"}),
    h("button", {type: "submit", class: "secondary"}, "Show snippets")), async (typed) => loadSnippets(typed.source.trim()));

  await loadPartners();
  await loadSnippets("");
  return {title: `Partners: ${campaign.title}`, nodes: [backToCampaigns(),
    heading(`Partners: ${campaign.title}`), campaignTabs(slug, "/partners"),
    h("section", {"aria-labelledby": "partners-title"}, h("h2", {id: "partners-title"}, "Partners"), listing,
      h("h3", {}, "Add a partner"), addForm, issued),
    h("section", {"aria-labelledby": "embed-title"}, h("h2", {id: "embed-title"}, "Embed the form"), sourceForm, embedding)]};
}


