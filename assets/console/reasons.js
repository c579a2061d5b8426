// Reasons for signing, as the organisers moderate them: each held until approved, featured on
// the page or not, with how often the public reported it.

import {get, patch} from "./api.js";
import {announce, formatTime, h, replace} from "./dom.js";

const REVIEWS = [["pending", "Waiting for you"], ["approved", "Approved"], ["rejected", "Rejected"], ["all", "All"]];

/** The "Why people signed" section of a campaign's signatures screen. */
export function reasonsSection(path) {
  const listing = h("div", {"aria-live": "polite"});
  let review = "pending";
  const choose = h("select", {id: "reasons-review", onchange: (event) => { review = event.target.value; load(); }},
    REVIEWS.map(([value, label]) => h("option", {value, selected: value === review}, label)));

  async function decide(reason, body, done) {
    try {
      await patch(`${path}/reasons/${reason.id}`, body);
      announce(done, "success");
      await load();
    } catch (problem) {
      if (problem.status !== 401) announce(problem.sentence, "error");
    }
  }

  async function load() {
    const {reasons} = await get(`${path}/reasons?review=${review}`);
    replace(listing, reasons.length ? h("ul", {class: "reasons-list"}, reasons.map((r) => {
      const who = `${r.name ?? "(erased)"}${r.shown_as === "name" ? ", to be shown with their first name and constituency" : ", to be shown without a name"}`;
      return h("li", {},
        h("blockquote", {}, r.text),
        h("p", {class: "hint"}, `${who}. ${formatTime(r.created_at)}.`,
          r.reports ? h("strong", {}, ` Reported ${r.reports} ${r.reports === 1 ? "time" : "times"}.`) : null,
          r.counted ? null : " Its signature does not count (yet), so it is not shown."),
        h("div", {class: "actions"},
          r.review === "approved" ? null : h("button", {type: "button", class: "small", onclick: () => decide(r, {review: "approved"}, "Approved: it shows on the page.")}, "Approve", h("span", {class: "visually-hidden"}, ` the reason from ${r.name ?? "an erased signer"}`)),
          r.review === "rejected" ? null : h("button", {type: "button", class: "small danger", onclick: () => decide(r, {review: "rejected"}, "Rejected: it is not shown.")}, "Reject", h("span", {class: "visually-hidden"}, ` the reason from ${r.name ?? "an erased signer"}`)),
          h("button", {type: "button", class: "small secondary", onclick: () => decide(r, {featured: !r.featured}, r.featured ? "No longer featured." : "Featured: it shows first.")},
            r.featured ? "Stop featuring" : "Feature", h("span", {class: "visually-hidden"}, ` the reason from ${r.name ?? "an erased signer"}`))));
    })) : h("p", {class: "empty"}, review === "pending" ? "No reasons waiting for you." : "None."));
  }

  load();
  return h("section", {"aria-labelledby": "reasons-title"},
    h("h2", {id: "reasons-title"}, "Why people signed"),
    h("p", {}, "A reason shows on the campaign's page only once you approve it, with the signer's first name and constituency if they chose that. Featured ones show first."),
    h("div", {class: "field"}, h("label", {for: "reasons-review"}, "Show"), choose),
    listing);
}
