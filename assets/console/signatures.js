// A campaign's signatures (searching, paging, moderating, erasing, exporting) and its
// partners with the snippets that embed its form.

import {get, patch, post, remove, api, slugPath} from "./api.js";
import {announce, backToCampaigns, campaignTabs, confirmAction, copyButton, download, formatNumber, formatTime, h, heading, replace} from "./dom.js";
import {field, onSubmit} from "./forms.js";
import {reasonsSection} from "./reasons.js";

const STATUSES = [["", "Any but spam or invalidated"], ["pending", "Waiting for confirmation"], ["confirmed", "Confirmed"], ["withdrawn", "Withdrawn or erased"], ["lapsed", "Lapsed (pledges not renewed)"], ["spam", "Spam"], ["invalidated", "Invalidated"]];
const REVIEW = {pending: "Not yet reviewed", approved: "Approved", rejected: "Rejected", held: "Held: sent without JavaScript"};
const REVIEWS = [["", "Any"], ["pending", "Not yet reviewed"], ["approved", "Approved"], ["rejected", "Rejected"], ["held", "Held for review"]];
const TYPES = [["", "Both"], ["organisation", "Organisations"], ["individual", "Individuals"]];
const LISTING = [["", "Either"], ["true", "Agreed to be listed"], ["false", "Not to be listed"]];
const LANGUAGES = [["", "Either"], ["en", "English"], ["cy", "Cymraeg"]];
const LANGUAGE_NAMES = {en: "English", cy: "Cymraeg"};
const AGE_BANDS = {"under-13": "Under 13", "13-15": "13 to 15", "16-17": "16 or 17", "18-plus": "18 or over"};

/** The filters as the API takes them: only those set, in their types. */
function chosen(filters) {
  const found = {};
  if (filters.q && filters.q.trim()) found.q = filters.q.trim();
  for (const key of ["status", "review", "signatory_type", "source", "lang"]) if (filters[key]) found[key] = filters[key];
  if (filters.public) found.public = filters.public === "true";
  if (filters.contact) found.contact = true;
  return found;
}

function query(filters, extra = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({...chosen(filters), ...extra})) if (value !== null && value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function who(signature) {
  return signature.name || "An erased signatory";
}

function plural(n, one, many) {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

export async function list(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  // Letters and pledges list their signatories by name, role and organisation, once approved.
  const letter = campaign.kind === "letter" || campaign.kind === "pledge";
  const pledge = campaign.kind === "pledge";
  const {partners: partnerList} = await get(`${path}/partners`);
  const partnerNames = Object.fromEntries(partnerList.map((p) => [p.code, p.name]));
  let filters = {};
  const pages = [null];
  let shown = [];
  let matching = 0;
  const selected = new Set();
  const results = h("div", {});
  const summary = h("p", {class: "hint", "aria-live": "polite"});
  const bulk = h("div", {class: "bulk", role: "group", "aria-label": "Several at once"});
  const undoBar = h("div", {class: "undo", "aria-live": "polite"});

  async function load(after) {
    const page = await get(`${path}/signatures${query(filters, {after, limit: 50})}`);
    shown = page.signatures;
    matching = page.matching;
    selected.clear();
    const all = h("input", {type: "checkbox", id: "select-page", onchange: (event) => {
      for (const s of shown) if (event.target.checked) selected.add(s.id); else selected.delete(s.id);
      for (const box of results.querySelectorAll("input[data-id]")) box.checked = event.target.checked;
      showBulk();
    }});
    const headings = [h("th", {scope: "col", class: "select"}, all, h("label", {for: "select-page", class: "visually-hidden"}, "Select every signature on this page")),
      ...["Name", "Email", letter ? "Role and organisation" : "Postcode or country", pledge ? "Website and badge" : null, "Status", letter ? "Review" : null, "Details", "Signed", "Actions"].filter(Boolean).map((t) => h("th", {scope: "col"}, t))];
    const table = h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Signatures"},
      h("table", {class: "signatures"},
        h("thead", {}, h("tr", {}, headings)),
        h("tbody", {}, shown.map((s) => row(s)))));
    const paging = h("div", {class: "actions"},
      pages.length > 1 ? h("button", {type: "button", class: "secondary", onclick: () => { pages.pop(); load(pages[pages.length - 1]); }}, "Previous page") : null,
      page.next_after ? h("button", {type: "button", class: "secondary", onclick: () => { pages.push(page.next_after); load(page.next_after); }}, "Next page") : null);
    const filtered = Object.keys(chosen(filters)).length > 0;
    replace(results, shown.length ? [table, paging] : h("p", {class: "empty"}, filtered ? "No signature matches these filters." : "No one has signed yet."));
    summary.textContent = shown.length ? `Showing ${shown.length} of ${plural(matching, "signature", "signatures")}${filtered ? " that match" : ""}.` : "";
    showBulk();
  }

  /** The buttons that act on the selected signatures, or on every one the filters keep. */
  function showBulk() {
    if (!shown.length) { replace(bulk); return; }
    const n = selected.size;
    const none = n === 0;
    replace(bulk,
      h("p", {class: "selected-count"}, n ? `${plural(n, "signature", "signatures")} selected.` : "Select signatures with the boxes, or act on every one that matches."),
      h("div", {class: "actions"},
        h("button", {type: "button", class: "small", disabled: none, onclick: () => reviewMany("approved", "selected")}, "Approve selected"),
        h("button", {type: "button", class: "small secondary", disabled: none, onclick: () => reviewMany("rejected", "selected")}, "Reject selected"),
        h("button", {type: "button", class: "small danger", disabled: none, onclick: eraseSelected}, "Erase selected")),
      // On every page together: offered where it is more than this page shows, or filtered.
      matching > shown.length || Object.keys(chosen(filters)).length ? h("div", {class: "actions"},
        h("button", {type: "button", class: "small", onclick: () => reviewMany("approved", "matching")}, `Approve all ${formatNumber(matching)} that match`),
        h("button", {type: "button", class: "small secondary", onclick: () => reviewMany("rejected", "matching")}, `Reject all ${formatNumber(matching)} that match`)) : null);
  }

  function row(s) {
    const erased = s.status === "erased";
    const box = h("input", {type: "checkbox", id: `select-${s.id}`, "data-id": s.id, onchange: (event) => {
      if (event.target.checked) selected.add(s.id); else selected.delete(s.id);
      showBulk();
    }});
    // Each cell names its column, for phones, where the rows are shown as cards.
    const cells = [
      h("td", {class: "select"}, box, h("label", {for: `select-${s.id}`, class: "visually-hidden"}, `Select ${who(s)}`)),
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
      // Listing consent, where the signature came from and its language: what the filters
      // above choose by.
      h("td", {"data-label": "Details", class: "details"},
        letter ? h("div", {}, s.public ? "Agreed to be listed" : "Not to be listed") : null,
        h("div", {}, s.source ? `Came from ${partnerNames[s.source] || s.source}` : "Came directly"),
        h("div", {}, `In ${LANGUAGE_NAMES[s.lang] || s.lang}`)),
      h("td", {"data-label": "Signed"}, formatTime(s.signed_at)),
    ];
    // A flex box inside the cell, not the cell itself, which would leave the table's rows.
    const actions = h("div", {class: "row-actions"});
    // A held signature (a petition's too) waits for a decision; a letter's every signatory does.
    const reviewed = letter || s.review === "held";
    if (reviewed && !erased && s.review !== "approved") actions.append(h("button", {type: "button", class: "small", onclick: () => review(s, "approved")}, "Approve", h("span", {class: "visually-hidden"}, ` ${who(s)}`)));
    if (reviewed && !erased && s.review !== "rejected") actions.append(h("button", {type: "button", class: "small secondary", onclick: () => review(s, "rejected")}, "Reject", h("span", {class: "visually-hidden"}, ` ${who(s)}`)));
    if (!erased) actions.append(h("button", {type: "button", class: "small danger", onclick: () => erase(s)}, "Erase", h("span", {class: "visually-hidden"}, ` ${who(s)}`)));
    return h("tr", {}, cells, h("td", {}, actions));
  }

  const effect = (decision) => decision === "approved"
    ? (pledge ? "They are listed, and their verification pages and badges verify the pledge." : letter ? "Those who agreed to be listed appear on the letter; all of them count." : "They count.")
    : "They are not listed and do not count.";

  async function reviewMany(decision, which) {
    const n = which === "selected" ? selected.size : matching;
    const verb = decision === "approved" ? "Approve" : "Reject";
    const yes = await confirmAction({
      title: `${verb} ${plural(n, "signature", "signatures")}?`,
      text: `${which === "selected" ? "The signatures you selected" : "Every signature the filters keep, on every page"}: ${effect(decision)} You can undo this until you leave this screen.`,
      confirm: `${verb} ${plural(n, "signature", "signatures")}`,
      tone: decision === "approved" ? "" : "danger",
    });
    if (!yes) return;
    const body = which === "selected" ? {ids: [...selected], review: decision} : {filter: chosen(filters), review: decision};
    try {
      announce(`${decision === "approved" ? "Approving" : "Rejecting"}…`);
      const done = await post(`${path}/signatures/review`, body);
      const message = `${plural(done.changed, "signature", "signatures")} ${decision}.`;
      announce(message, "success");
      offerUndo(message, done.previous);
      await load(pages[pages.length - 1]);
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  /** Puts the signatures a review of many changed back as they were. */
  function offerUndo(message, previous) {
    if (!previous.length) { replace(undoBar); return; }
    replace(undoBar, h("p", {}, message, " ",
      h("button", {type: "button", class: "small secondary", onclick: async () => {
        try {
          let restored = 0;
          for (const group of previous) {
            for (let i = 0; i < group.ids.length; i += 1000) {
              const done = await post(`${path}/signatures/review`, {ids: group.ids.slice(i, i + 1000), review: group.review});
              restored += done.changed;
            }
          }
          replace(undoBar);
          announce(`Undone: ${restored === 1 ? "1 signature is back as it was" : `${formatNumber(restored)} signatures are back as they were`}.`, "success");
          await load(pages[pages.length - 1]);
        } catch (problem) {
          if (problem.status !== 401) announce(problem.sentence, "error");
        }
      }}, "Undo")));
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

  async function eraseSelected() {
    const n = selected.size;
    const yes = await confirmAction({
      title: `Erase ${plural(n, "signature", "signatures")}?`,
      text: `Their names, emails and postcodes are deleted and they leave the count. This cannot be undone. Do it when people ask to be forgotten.`,
      confirm: `Erase ${plural(n, "signature", "signatures")}`,
    });
    if (!yes) return;
    let erased = 0;
    try {
      for (const id of selected) {
        await remove(`${path}/signatures/${id}`);
        erased += 1;
      }
      announce(`${plural(erased, "signature is", "signatures are")} erased.`, "success");
    } catch (problem) {
      if (problem.status !== 401) announce(`${plural(erased, "signature was", "signatures were")} erased before this: ${problem.sentence}`, "error");
    }
    await load(pages[pages.length - 1]);
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

  const sources = [["", "Anywhere"], ["direct", "Directly"], ...partnerList.map((p) => [p.code, p.name])];
  const form = onSubmit(h("form", {class: "filters", role: "search", "aria-label": "Signatures"},
    field({name: "q", label: "Search", type: "search", hint: "Part of a name, an email address or an organisation."}),
    field({name: "status", label: "Status", type: "select", options: STATUSES}),
    field({name: "review", label: "Review", type: "select", options: REVIEWS}),
    letter ? field({name: "signatory_type", label: "Organisations or individuals", type: "select", options: TYPES}) : null,
    letter ? field({name: "public", label: "Listing", type: "select", options: LISTING}) : null,
    field({name: "source", label: "Came from", type: "select", options: sources}),
    field({name: "lang", label: "Language", type: "select", options: LANGUAGES}),
    field({name: "contact", label: "Only those who agreed to be contacted", type: "checkbox"}),
    h("button", {type: "submit"}, "Search")), async (typed) => {
    filters = typed;
    pages.length = 1;
    replace(undoBar);
    await load(null);
  });
  await load(null);
  return {title: `Signatures: ${campaign.title}`, nodes: [backToCampaigns(),
    heading(`Signatures: ${campaign.title}`), campaignTabs(slug, "/signatures", campaign.kind),
    pledge ? h("p", {}, "Pledgers are listed, and their verification pages and badges verify, only once you approve them. Possible duplicates share an inbox with another signature.")
      : letter ? h("p", {}, "Signatories are listed on the letter only once you approve them. Possible duplicates share an inbox with another signature.") : null,
    form,
    h("div", {class: "actions"},
      h("button", {type: "button", class: "secondary", onclick: () => exportAs("csv")}, "Export CSV"),
      h("button", {type: "button", class: "secondary", onclick: () => exportAs("ndjson")}, "Export NDJSON"),
      h("p", {class: "hint"}, "Exports hold every signature the filters above keep, and are written to the audit log.")),
    summary, undoBar, bulk, results,
    campaign.invite_reasons ? reasonsSection(path) : null]};
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
    heading(`Partners: ${campaign.title}`), campaignTabs(slug, "/partners", campaign.kind),
    h("section", {"aria-labelledby": "partners-title"}, h("h2", {id: "partners-title"}, "Partners"), listing,
      h("h3", {}, "Add a partner"), addForm, issued),
    h("section", {"aria-labelledby": "embed-title"}, h("h2", {id: "embed-title"}, "Embed the form"), sourceForm, embedding)]};
}


