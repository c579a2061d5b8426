// Your account's security: a new password (given the current one), and the sessions logged in
// to it, with a way to end them all.

import {api, get, post, setToken} from "./api.js";
import {announce, confirmAction, formatTime, h, heading, replace} from "./dom.js";
import {field, onSubmit} from "./forms.js";

export async function security(session, loggedOut) {
  const listing = h("div", {});
  async function load() {
    const {sessions} = await get("/v1/auth/sessions");
    replace(listing, h("div", {class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Sessions"}, h("table", {class: "sessions"},
      h("thead", {}, h("tr", {}, ["Browser", "Logged in", "Ends"].map((t) => h("th", {scope: "col"}, t)))),
      h("tbody", {}, sessions.map((s) => h("tr", {},
        h("th", {scope: "row"}, s.user_agent || "Unknown browser", s.current ? h("span", {class: "tag"}, " This one") : null),
        h("td", {}, formatTime(s.created_at)), h("td", {}, formatTime(s.expires_at))))))));
  }
  const form = onSubmit(h("form", {novalidate: true},
    h("input", {type: "text", name: "username", autocomplete: "username", value: session.user.email, hidden: true, readonly: true}),
    field({name: "current_password", label: "Your current password", type: "password", autocomplete: "current-password", required: true}),
    field({name: "password", label: "A new password", type: "password", autocomplete: "new-password", required: true,
      hint: "At least 12 characters. A few unrelated words make a strong one."}),
    h("button", {type: "submit"}, "Change the password")), async (typed) => {
    await api("PUT", "/v1/users/me/password", {body: {current_password: typed.current_password, password: typed.password}});
    form.reset();
    announce("Your password is changed. Every other session of your account has ended.", "success");
    await load();
  });
  const everywhere = h("button", {type: "button", class: "danger", onclick: async () => {
    const sure = await confirmAction({title: "Log out everywhere?", text: "Every session of your account ends, this one too: on every computer and phone, you will need your password to log in again.", confirm: "Log out everywhere"});
    if (!sure) return;
    await post("/v1/auth/logout-everywhere");
    setToken(null);
    loggedOut("You have logged out everywhere.");
  }}, "Log out everywhere");
  await load();
  return {title: "Password and sessions", nodes: [heading("Password and sessions"),
    h("h2", {}, "Change your password"),
    h("p", {}, "Changing it logs out every other session of your account."), form,
    h("h2", {}, "Where you are logged in"), listing,
    h("p", {}, "If you logged in on a computer that is not yours, or lost a phone, end every session."), everywhere]};
}
