// A campaign's dashboard (its count moving live, progress, the tally drawn as charts, opening
// and closing) and its letter as it will be handed in.

import {api, get, patch, post, slugPath} from "./api.js";
import {announce, backToCampaigns, campaignTabs, confirmAction, copyButton, download, formatNumber, formatTime, h, heading, navigate, onLeave, replace, svg} from "./dom.js";
import {statusTag} from "./campaigns.js";
import {field} from "./forms.js";

/** A horizontal bar chart of `rows` ([label, count]), with the same figures as a table for
 * those who do not see it. */
function barChart(title, rows) {
  const id = `chart-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  if (!rows.length) return h("section", {class: "chart", "aria-labelledby": id}, h("h3", {id}, title), h("p", {class: "hint"}, "No confirmed signatures yet."));
  const max = Math.max(...rows.map(([, n]) => n), 1);
  const bar = 22;
  const height = rows.length * (bar + 8);
  // About as wide as it is shown, so that its text reads at the page's size.
  const chart = svg("svg", {viewBox: `0 0 320 ${height}`, role: "img", "aria-labelledby": `${id}-svg`, class: "bars", preserveAspectRatio: "xMinYMin meet"},
    svg("title", {id: `${id}-svg`}, `${title}: ${rows.map(([label, n]) => `${label} ${n}`).join(", ")}`),
    rows.map(([label, n], i) => {
      const y = i * (bar + 8);
      const width = Math.max(2, (n / max) * 150);
      return svg("g", {},
        svg("text", {x: 0, y: y + bar * 0.72, class: "label"}, label.length > 13 ? `${label.slice(0, 12)}…` : label),
        svg("rect", {x: 115, y, width, height: bar, rx: 2}),
        svg("text", {x: 120 + width, y: y + bar * 0.72, class: "value"}, formatNumber(n)));
    }));
  return h("section", {class: "chart", "aria-labelledby": id}, h("h3", {id}, title), chart,
    h("details", {}, h("summary", {}, "As a table"),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Group"), h("th", {scope: "col", class: "number"}, "Signatures"))),
        h("tbody", {}, rows.map(([label, n]) => h("tr", {}, h("td", {}, label), h("td", {class: "number"}, formatNumber(n))))))));
}

/** Signatures per hour as columns, oldest on the left. */
function hourChart(hours) {
  const id = "chart-by-hour";
  if (!hours.length) return h("section", {class: "chart", "aria-labelledby": id}, h("h3", {id}, "By hour"), h("p", {class: "hint"}, "No confirmed signatures yet."));
  const shown = hours.slice(-48);
  const max = Math.max(...shown.map((x) => x.count), 1);
  const width = 320;
  const step = width / shown.length;
  const chart = svg("svg", {viewBox: `0 0 ${width} 140`, role: "img", "aria-labelledby": `${id}-svg`, class: "columns"},
    svg("title", {id: `${id}-svg`}, `Signatures by hour, last ${shown.length} hours with signatures; most in one hour: ${max}`),
    shown.map((x, i) => {
      const height = Math.max(1, (x.count / max) * 110);
      return svg("rect", {x: i * step + 1, y: 120 - height, width: Math.max(1, Math.min(step - 2, 24)), height, rx: 1},
        svg("title", {}, `${formatTime(x.hour)}: ${x.count}`));
    }),
    svg("text", {x: 0, y: 136, class: "label"}, formatTime(shown[0].hour)),
    svg("text", {x: width, y: 136, class: "label", "text-anchor": "end"}, formatTime(shown[shown.length - 1].hour)));
  return h("section", {class: "chart", "aria-labelledby": id}, h("h3", {id}, "By hour"), chart,
    h("details", {}, h("summary", {}, "As a table"),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Hour"), h("th", {scope: "col", class: "number"}, "Signatures"))),
        h("tbody", {}, shown.map((x) => h("tr", {}, h("td", {}, formatTime(x.hour)), h("td", {class: "number"}, formatNumber(x.count))))))));
}

function progress(total, campaign) {
  const target = campaign.target;
  const marks = campaign.milestones || [];
  if (!target && !marks.length) return null;
  const end = target || Math.max(...marks);
  const share = Math.min(1, total / end);
  return h("div", {class: "progress"},
    h("p", {}, target ? `${formatNumber(total)} of a target of ${formatNumber(target)} (${Math.floor(share * 100)}%)` : `${formatNumber(total)} ${total === 1 ? "signature" : "signatures"} so far`),
    svg("svg", {viewBox: "0 0 400 28", class: "progress-bar", role: "img", "aria-label": `Progress: ${Math.floor(share * 100)}% of ${formatNumber(end)}`},
      svg("rect", {x: 0, y: 6, width: 400, height: 16, rx: 3, class: "track"}),
      svg("rect", {x: 0, y: 6, width: 400 * share, height: 16, rx: 3, class: "done"}),
      marks.filter((m) => m <= end).map((m) => svg("line", {x1: 400 * m / end, x2: 400 * m / end, y1: 2, y2: 26, class: "mark"}))),
    marks.length ? h("p", {class: "milestones-title"}, "Milestones:") : null,
    marks.length ? h("ul", {class: "milestones"}, marks.map((m) =>
      h("li", {class: total >= m ? "reached" : null}, `${formatNumber(m)}${total >= m ? ": reached" : ""}`))) : null);
}

export async function show(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  const counts = await get(`${path}/signatures/count`);
  const figures = {
    total: h("span", {class: "figure", id: "count-total"}, formatNumber(counts.total)),
    pending: h("span", {class: "figure", id: "count-pending"}, formatNumber(counts.pending)),
    organisations: h("span", {class: "figure"}, formatNumber(counts.organisations)),
    individuals: h("span", {class: "figure"}, formatNumber(counts.individuals)),
  };
  const progressSlot = h("div", {}, progress(counts.total, campaign));
  const charts = h("div", {class: "charts"});
  const live = h("p", {class: "hint live", "aria-live": "off"});

  async function refresh() {
    const now = await get(`${path}/signatures/count`);
    figures.total.textContent = formatNumber(now.total);
    figures.pending.textContent = formatNumber(now.pending);
    figures.organisations.textContent = formatNumber(now.organisations);
    figures.individuals.textContent = formatNumber(now.individuals);
    replace(progressSlot, progress(now.total, campaign));
  }

  async function drawTally() {
    if (campaign.status === "draft") {
      replace(charts, h("p", {}, "The tally starts when the campaign opens."));
      return;
    }
    const [tally, places] = await Promise.all([get(`${path}/tally`), get(`${path}/constituencies`)]);
    const nations = {england: "England", scotland: "Scotland", wales: "Wales", northern_ireland: "Northern Ireland", outside_uk: "Outside the UK", unknown: "No postcode"};
    replace(charts,
      barChart("By source", tally.by_source.map((b) => [b.key, b.count])),
      barChart("By country", tally.by_country.map((b) => [b.key, b.count])),
      barChart("By nation", Object.entries(tally.by_nation).filter(([, n]) => n > 0).map(([key, n]) => [nations[key] || key, n])),
      barChart("By constituency (the ten with most)", places.items.slice(0, 10).map((item) => [item.name, item.count])),
      barChart("By postcode area", tally.by_postcode_area.map((b) => [b.key, b.count])),
      hourChart(tally.by_hour),
      h("p", {class: "hint"}, `Constituencies (2024 boundaries) from the postcode each signer gave: ${places.data_source}; MPs as of ${places.data_date}. `,
        h("a", {href: `${path}/constituencies?format=csv`}, "Every constituency with its MP, as CSV"), " · ",
        h("a", {href: `${path}/councils?format=csv`}, "Every council, as CSV"), " · ",
        h("a", {href: "/about/data"}, "About the data")));
  }

  if (campaign.status !== "draft") {
    // The public stream moves on each confirmed signature; the figures with pending ones
    // are then read with the token.
    const stream = new EventSource(`${path}/count/stream`);
    let first = true;
    stream.addEventListener("count", () => {
      live.textContent = `Live: updated ${new Date().toLocaleTimeString("en-GB")}`;
      if (first) { first = false; return; }
      refresh().catch(() => {});
      drawTally().catch(() => {});
    });
    stream.addEventListener("milestone", (event) => {
      const reached = JSON.parse(event.data);
      announce(`Milestone reached: ${formatNumber(reached.count)} signatures.`, "success");
    });
    stream.onerror = () => { live.textContent = "Live updates paused; reconnecting…"; };
    onLeave(() => stream.close());
    // Pending signatures do not move the public stream, and the public tally is worked out
    // only every few seconds: look again now and then.
    const timer = setInterval(() => {
      refresh().catch(() => {});
      drawTally().catch(() => {});
    }, 10000);
    onLeave(() => clearInterval(timer));
  }

  const actions = h("div", {class: "actions"});
  if (campaign.status === "draft") {
    actions.append(h("button", {type: "button", onclick: () => move("open")}, "Open the campaign"));
  } else if (campaign.status === "open") {
    actions.append(h("button", {type: "button", class: "danger", onclick: () => move("closed")}, "Close the campaign"));
  }

  async function move(status) {
    const opening = status === "open";
    const yes = await confirmAction({
      title: opening ? `Open “${campaign.title}”?` : `Close “${campaign.title}”?`,
      text: opening
        ? `Anyone can then see and sign it, on its page, its form and the websites you allowed. From then on its kind (${campaign.kind}) and its address (/c/${campaign.slug}) never change, it cannot go back to being a draft, and its organisation, privacy notice and contact are fixed as they are now. A change to what signers agree to (the consent wording) makes a new version: those who signed before keep the wording they were shown. A change to its text shows to everyone at once. Look at its preview first.`
        : "No one can sign it after this, and it cannot be opened again. Signatures already made stay, and its count stays public.",
      confirm: opening ? "Open it" : "Close it",
      tone: opening ? "primary" : "danger",
    });
    if (!yes) return;
    try {
      await patch(path, {status});
      navigate(location.hash, opening ? "The campaign is open." : "The campaign is closed.");
    } catch (problem) {
      if (problem.status === 401) return;
      const missing = problem.errors.map((e) => e.field).join(", ");
      announce(missing && problem.type === "organiser-missing"
        ? `It cannot open yet: signers must be told who is asking. Set ${missing.replaceAll("organiser.", "the organiser's ")} under Edit, or under Your organisation.`
        : problem.sentence, "error");
    }
  }

  await drawTally();
  const share = campaign.status === "open" ? await shareKit(path, campaign)
    : campaign.preview_url ? previewLink(campaign) : null;
  return {title: campaign.title, nodes: [backToCampaigns(),
    heading(campaign.title, " ", statusTag(campaign.status)),
    campaignTabs(slug, "", campaign.kind),
    h("section", {class: "counts", "aria-labelledby": "counts-title"},
      h("h2", {id: "counts-title"}, "Signatures"),
      h("dl", {class: "figures"},
        h("div", {}, h("dt", {}, "Counted"), h("dd", {}, figures.total)),
        h("div", {}, h("dt", {}, "Waiting for confirmation"), h("dd", {}, figures.pending)),
        h("div", {}, h("dt", {}, "Organisations"), h("dd", {}, figures.organisations)),
        h("div", {}, h("dt", {}, "Individuals"), h("dd", {}, figures.individuals))),
      live, progressSlot),
    actions,
    share,
    h("section", {"aria-labelledby": "tally-title"}, h("h2", {id: "tally-title"}, "Where signatures come from"), charts)]};
}

/** A draft's private preview: its page, form and link picture as the public will see them. */
function previewLink(campaign) {
  return h("section", {class: "preview", "aria-labelledby": "preview-title"},
    h("h2", {id: "preview-title"}, "Preview"),
    h("p", {}, "See the page, its form and the picture a shared link shows, as the public will see them once it opens, in English and in Welsh. Only people with this link can see it, and search engines do not list it."),
    h("div", {class: "actions"},
      h("a", {href: campaign.preview_url, target: "_blank", rel: "noopener", class: "button secondary"}, "Open the preview", h("span", {class: "visually-hidden"}, " (in a new tab)")),
      copyButton("Copy the preview link", () => campaign.preview_url)));
}

/** Everything an open campaign needs to be shared, ready to copy: its page, the snippets a
 * partner pastes, its QR code and the picture a shared link shows. */
async function shareKit(path, campaign) {
  const kit = await get(`${path}/embed`);
  const block = (label, copyLabel, text, id) => h("div", {class: "snippet"},
    h("label", {for: id}, label),
    h("textarea", {id, readonly: true, rows: text.length > 120 ? 3 : 1, class: "code"}, text),
    copyButton(copyLabel, () => text));
  return h("section", {class: "share-kit", "aria-labelledby": "share-title"},
    h("h2", {id: "share-title"}, "Share it"),
    block("The campaign's page", "Copy the link", kit.page_url, "share-page"),
    block("Script snippet for a partner's site", "Copy the script snippet", kit.script, "share-script"),
    block("Frame snippet, where scripts are not allowed", "Copy the frame snippet", kit.iframe, "share-iframe"),
    block("WordPress shortcode", "Copy the shortcode", kit.wordpress_shortcode, "share-shortcode"),
    h("p", {class: "hint"}, "Credit a partner's form to them, or add a site's address to those allowed to show it, on the Partners and embedding tab."),
    h("div", {class: "share-pictures"},
      h("figure", {},
        h("img", {src: kit.qr_svg, alt: `QR code for ${kit.page_url}`, width: 160, height: 160}),
        h("figcaption", {}, "QR code: ",
          h("a", {href: kit.qr_png, download: `${campaign.slug}-qr.png`}, "PNG"), ", ",
          h("a", {href: kit.qr_svg, download: `${campaign.slug}-qr.svg`}, "SVG"))),
      h("figure", {},
        h("img", {src: kit.preview_png, alt: `The picture a shared link shows: ${campaign.title}`, width: 360, height: 189, class: "preview-card"}),
        h("figcaption", {}, "What a shared link shows on social media and in messages."))));
}

export async function letter(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  const [html, markdown] = await Promise.all([
    get(`${path}/letter`, {accept: "text/html"}),
    get(`${path}/letter`, {accept: "text/markdown"}),
  ]);
  const frame = h("iframe", {title: `The letter: ${campaign.title}`, class: "letter", sandbox: "", srcdoc: html});
  const handins = h("div", {});

  async function loadHandins() {
    const listed = await get(`${path}/handins`);
    replace(handins, listed.handins.length ? h("ul", {class: "handins"}, listed.handins.map((x) => h("li", {},
      x.rehearsal ? h("span", {class: "tag"}, "Rehearsal") : null, x.rehearsal ? " " : null,
      `${x.rehearsal ? "Rehearsed, emailed to you alone," : "Handed in"} ${formatTime(x.handed_in_at)} with ${formatNumber(x.total)} signatures (${formatNumber(x.listed)} listed by name). Manifest SHA-256: `,
      h("code", {class: "digest"}, x.manifest_sha256), " ",
      h("button", {type: "button", class: "small secondary", onclick: () => downloadBundle(x)}, "Download the bundle", h("span", {class: "visually-hidden"}, ` of ${formatTime(x.handed_in_at)}`)))))
      : h("p", {class: "empty"}, "Not handed in yet."));
  }

  async function downloadBundle(x) {
    try {
      const blob = await api("GET", `${path}/handins/${x.id}`, {accept: "application/zip", blob: true});
      download(blob, `${slug}-handin-${x.handed_in_at.slice(0, 10)}.zip`);
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  async function handIn(deliver) {
    const emails = (campaign.targets || []).filter((t) => t.email);
    const rehearsal = deliver === "rehearsal";
    const to = campaign.recipient || (campaign.targets || []).map((t) => t.name).join(", ") || "its decision-makers";
    const today = new Date().toLocaleDateString("en-GB", {day: "numeric", month: "long", year: "numeric"});
    const texts = {
      rehearsal: `The bundle is built as it stands now and emailed to you alone (${session.user.email}), so you can check it. It is not shown on the campaign's page.`,
      none: `The campaign is handed in to ${to} today, ${today}: the bundle is frozen as it stands now and its manifest's SHA-256 is shown on the campaign's page for anyone to check. Nothing is emailed.`,
      targets: `The campaign is handed in to ${to} today, ${today}: the bundle is frozen, emailed to ${emails.map((t) => t.name).join(", ") || "the decision-makers"}, and its manifest's SHA-256 shown on the campaign's page.`,
    };
    const yes = await confirmAction(rehearsal
      ? {title: "Rehearse the hand-in?", text: texts.rehearsal, confirm: "Rehearse it", tone: "primary"}
      : {title: `Hand it in to ${to}?`, text: texts[deliver], confirm: "Hand it in"});
    if (!yes) return;
    try {
      const made = await post(`${path}/handins`, rehearsal ? {rehearsal: true} : {deliver});
      announce(rehearsal
        ? `Rehearsed with ${formatNumber(made.total)} signatures and emailed to you alone. Nothing is public.`
        : `Handed in with ${formatNumber(made.total)} signatures${made.delivery.emails ? `, and emailed to ${made.delivery.emails}` : ""}. Manifest SHA-256: ${made.manifest_sha256}.`, "success");
      await loadHandins();
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  await loadHandins();
  const atLeast = field({name: "mp_at_least", label: "Constituencies with at least this many signatures", type: "number", value: "1", inputmode: "numeric"});

  async function downloadMpLetters() {
    const input = atLeast.querySelector("input");
    try {
      const blob = await api("GET", `${path}/mp-letters?at_least=${encodeURIComponent(input.value || "1")}`, {accept: "application/zip", blob: true});
      download(blob, `${slug}-letters-to-mps.zip`);
      announce("The letters to MPs are downloaded.", "success");
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  const handIn_ = campaign.status === "draft" ? h("p", {class: "hint"}, "A draft is handed in once it is open and has signatures.") : h("div", {class: "actions"},
    h("button", {type: "button", onclick: () => handIn("rehearsal")}, "Rehearse: email it to me"),
    h("button", {type: "button", class: "secondary", onclick: () => handIn("targets")}, "Hand in: email the decision-makers"),
    h("button", {type: "button", class: "secondary", onclick: () => handIn("none")}, "Hand in without email"));
  const name = campaign.kind === "petition" ? "Hand-in" : "Letter";
  return {title: `${name}: ${campaign.title}`, nodes: [backToCampaigns(),
    heading(`${name}: ${campaign.title}`), campaignTabs(slug, "/letter", campaign.kind),
    h("p", {}, campaign.kind === "letter"
      ? "As it will be handed in: the text, then every approved signatory who agreed to be listed, organisations first."
      : "As it will be handed in: the text, then every confirmed signatory who agreed to be listed."),
    h("div", {class: "actions"},
      campaign.status === "draft" ? null : h("a", {href: `${path}/letter`, target: "_blank", rel: "noopener", class: "button secondary"}, "Open it to print"),
      h("button", {type: "button", class: "secondary", onclick: () => download(new Blob([html], {type: "text/html"}), `${slug}-letter.html`)}, "Download HTML"),
      h("button", {type: "button", class: "secondary", onclick: () => download(new Blob([markdown], {type: "text/markdown"}), `${slug}-letter.md`)}, "Download Markdown")),
    frame,
    h("section", {"aria-labelledby": "handin-title"}, h("h2", {id: "handin-title"}, "Hand it in"),
      h("p", {}, "A hand-in freezes the text, its public signatories (a spreadsheet with no emails), the tally and a manifest of every file's SHA-256 into one bundle for the decision-makers. The manifest's SHA-256 is shown on the campaign's page, so anyone given the bundle can check it."),
      (campaign.targets || []).length ? h("p", {}, `Decision-makers: ${campaign.targets.map((t) => `${t.name} (${t.role})${t.email ? "" : ", no email"}`).join("; ")}. Edit the campaign to change them.`) : h("p", {class: "hint"}, "No decision-makers are named yet: edit the campaign to add them."),
      handIn_, handins),
    h("section", {"aria-labelledby": "mps-title"}, h("h2", {id: "mps-title"}, "Letters to MPs"),
      h("p", {}, "A letter to each MP whose constituency has signatures: how many of their constituents signed, the text, and the names of those who agreed to be listed; the same as an email draft to send from your own mail; and a spreadsheet of MPs, constituencies and counts for a mail merge. All in one zip, in the campaign's language."),
      campaign.status === "draft" ? h("p", {class: "hint"}, "Letters to MPs can be made once the campaign is open and has signatures.") : [atLeast,
        h("div", {class: "actions"}, h("button", {type: "button", class: "secondary", onclick: downloadMpLetters}, "Download the letters to MPs"))]),
    h("h2", {}, "Markdown"),
    h("div", {class: "actions"}, copyButton("Copy the Markdown", () => markdown)),
    h("pre", {class: "markdown", tabindex: "0"}, markdown)]};
}
