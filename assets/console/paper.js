// Signatures collected on paper: a sheet entered line by line, or a spreadsheet of many sheets
// imported as CSV, and the sheets entered so far.

import {api, get, post, slugPath} from "./api.js";
import {announce, backToCampaigns, campaignTabs, formatNumber, h, heading, replace} from "./dom.js";
import {field, onSubmit} from "./forms.js";

const ROWS = 3;

function signerRow(i) {
  const at = (name) => `entries[${i}].${name}`;
  return h("fieldset", {class: "group paper-row", "data-field": `entries[${i}]`},
    h("legend", {}, `Signer ${i + 1}`),
    field({name: at("name"), label: "Name", autocomplete: "off"}),
    field({name: at("postcode"), label: "Postcode", autocomplete: "off"}),
    field({name: at("email"), label: "Email, if the sheet has one", type: "email", autocomplete: "off"}),
    field({name: at("contact"), label: "Ticked: may be emailed about the campaign", type: "checkbox"}),
    field({name: at("public"), label: "Ticked: may be listed by name", type: "checkbox"}));
}

export async function paper(session, slug) {
  const path = slugPath(slug);
  const campaign = await get(path);
  const sheetsArea = h("div", {});
  let rows = ROWS;
  const rowsArea = h("div", {}, [...Array(rows).keys()].map(signerRow));

  async function loadSheets() {
    const {sheets} = await get(`${path}/paper`);
    replace(sheetsArea, sheets.length ? h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Sheets entered"},
      h("table", {class: "signatures"},
        h("thead", {}, h("tr", {}, ["Sheet", "Collected", "Signatures"].map((t) => h("th", {scope: "col"}, t)))),
        h("tbody", {}, sheets.map((s) => h("tr", {},
          h("th", {scope: "row"}, s.sheet), h("td", {"data-label": "Collected"}, s.collected_on),
          h("td", {"data-label": "Signatures"}, formatNumber(s.count)))))))
      : h("p", {class: "empty"}, "No paper sheets entered yet."));
  }

  const sheetForm = onSubmit(h("form", {novalidate: true},
    field({name: "sheet", label: "Sheet reference", hint: "As written on the sheet, like \"Bangor school visit, sheet 3\": it goes in the hand-in."}),
    field({name: "collected_on", label: "Date collected", type: "date"}),
    rowsArea,
    h("p", {}, h("button", {type: "button", class: "secondary", onclick: addRow}, "Add another signer")),
    h("button", {type: "submit"}, "Save the sheet")), async (typed) => {
    const entries = [];
    for (let i = 0; i < rows; i++) {
      const name = typed[`entries[${i}].name`].trim();
      const postcode = typed[`entries[${i}].postcode`].trim();
      const email = typed[`entries[${i}].email`].trim();
      // A row left blank is no signer.
      if (!name && !postcode && !email) continue;
      entries.push({name, postcode, email: email || null, contact: typed[`entries[${i}].contact`],
        public: typed[`entries[${i}].public`], sheet: typed.sheet, collected_on: typed.collected_on});
    }
    let saved;
    try {
      saved = await post(`${path}/paper`, {entries});
    } catch (problem) {
      // The sheet's reference and date are sent with every signer: shown once, beside their
      // own fields. Rows are numbered as sent, which skips blank rows: put them back.
      if (problem.errors) {
        const sent = [...Array(rows).keys()].filter((i) => typed[`entries[${i}].name`].trim() || typed[`entries[${i}].postcode`].trim() || typed[`entries[${i}].email`].trim());
        const seen = new Set();
        problem.errors = problem.errors.map((e) => {
          const m = e.field.match(/^entries\[(\d+)\]\.(.+)$/);
          if (!m) return e;
          if (m[2] === "sheet" || m[2] === "collected_on") return {...e, field: m[2]};
          return {...e, field: `entries[${sent[Number(m[1])]}].${m[2]}`};
        }).filter((e) => !seen.has(e.field + e.message) && seen.add(e.field + e.message));
      }
      throw problem;
    }
    announce(`${formatNumber(saved.added)} signatures added from the sheet${saved.already_signed ? `; ${formatNumber(saved.already_signed)} had signed already and add nothing` : ""}.`, "success");
    sheetForm.reset();
    await loadSheets();
  });

  function addRow() {
    const row = signerRow(rows);
    rows += 1;
    rowsArea.append(row);
    row.querySelector("input").focus();
  }

  const csvForm = onSubmit(h("form", {novalidate: true},
    field({name: "csv", label: "A spreadsheet saved as CSV", type: "file",
      hint: "A header row with the columns name, postcode, email, contact, public, sheet, collected_on (and, for young signers, age_band and parent_signed); ticks as yes. Every row is checked before any is saved."}),
    h("button", {type: "submit"}, "Import the spreadsheet")), async () => {
    const file = csvForm.elements.csv.files[0];
    if (!file) throw {errors: [{field: "csv", message: "Choose a CSV file to import"}]};
    const text = await file.text();
    const saved = await api("POST", `${path}/paper`, {file: new Blob([text], {type: "text/csv"})});
    announce(`${formatNumber(saved.added)} signatures imported${saved.already_signed ? `; ${formatNumber(saved.already_signed)} had signed already` : ""}.`, "success");
    csvForm.reset();
    await loadSheets();
  });

  await loadSheets();
  const title = `Paper signatures: ${campaign.title}`;
  return {title, nodes: [backToCampaigns(), heading(title), campaignTabs(slug, "/paper", campaign.kind),
    h("p", {}, "Signatures collected on paper count with the rest, and the page says how many were on paper. Someone who signed online too is counted once. Nobody entered here is emailed."),
    h("section", {"aria-labelledby": "sheet-title"}, h("h2", {id: "sheet-title"}, "Enter a sheet"), sheetForm),
    h("section", {"aria-labelledby": "csv-title"}, h("h2", {id: "csv-title"}, "Import many sheets"), csvForm),
    h("section", {"aria-labelledby": "sheets-title"}, h("h2", {id: "sheets-title"}, "Sheets entered"), sheetsArea)]};
}
