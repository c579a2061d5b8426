// The console's frame: which screen the address names, the navigation, logging in and out,
// and what happens when the token runs out (the log-in screen, keeping what was typed).

import {get, logIn, loggedIn, post, setToken, whenUnauthorised} from "./api.js";
import {announce, h, heading, leave, replace, takeMessage} from "./dom.js";
import {field, onSubmit} from "./forms.js";
import * as campaigns from "./campaigns.js";
import * as dashboard from "./dashboard.js";
import * as signatures from "./signatures.js";
import * as admin from "./admin.js";
import * as webhooks from "./webhooks.js";
import * as updates from "./updates.js";
import * as security from "./security.js";
import * as integrity from "./integrity.js";
import * as paper from "./paper.js";

const main = document.getElementById("main");
const session = {user: null};
/** The screen the token ran out on, kept as it was (what was typed included). */
let interrupted = null;

const routes = [
  [/^#\/campaigns\/?$/, () => campaigns.list(session)],
  [/^#\/campaigns\/new$/, () => campaigns.edit(session, null)],
  [/^#\/c\/([^/]+)$/, (slug) => dashboard.show(session, slug)],
  [/^#\/c\/([^/]+)\/edit$/, (slug) => campaigns.edit(session, slug)],
  [/^#\/c\/([^/]+)\/signatures$/, (slug) => signatures.list(session, slug)],
  [/^#\/c\/([^/]+)\/partners$/, (slug) => signatures.partners(session, slug)],
  [/^#\/c\/([^/]+)\/letter$/, (slug) => dashboard.letter(session, slug)],
  [/^#\/c\/([^/]+)\/webhooks$/, (slug) => webhooks.webhooks(session, slug)],
  [/^#\/c\/([^/]+)\/updates$/, (slug) => updates.updates(session, slug)],
  [/^#\/c\/([^/]+)\/integrity$/, (slug) => integrity.integrity(session, slug)],
  [/^#\/c\/([^/]+)\/paper$/, (slug) => paper.paper(session, slug)],
  [/^#\/account$/, () => campaigns.account(session)],
  [/^#\/security$/, () => security.security(session, loggedOut)],
  [/^#\/admin\/organisers$/, () => admin.organisers(session)],
  [/^#\/admin\/audit$/, () => admin.audit(session)],
];

function navigation() {
  const nav = document.getElementById("nav");
  if (!session.user) { replace(nav); return; }
  const links = [["#/campaigns", "Campaigns"], ["#/account", "Your organisation"], ["#/security", "Password and sessions"]];
  if (session.user.admin) links.push(["#/admin/organisers", "Organisers"], ["#/admin/audit", "Audit log"]);
  const here = location.hash;
  replace(nav, h("ul", {},
    links.map(([href, label]) => h("li", {}, h("a", {href, "aria-current": here.startsWith(href) ? "page" : null}, label))),
    h("li", {}, h("button", {type: "button", class: "link", onclick: logOut}, "Log out"))));
}

/** Shows a screen: its title in the tab, its heading focused, so a screen reader starts
 * there and a keyboard user continues from it. */
function show(screen, message = null) {
  document.title = `${screen.title} – Undersigned console`;
  replace(main, ...screen.nodes);
  navigation();
  const title = main.querySelector("h1");
  if (title) title.focus();
  if (message) announce(...message);
}

async function route() {
  leave();
  const message = takeMessage();
  announce("");
  if (location.pathname.endsWith("/console/setup")) return show(setupScreen());
  if (location.pathname.endsWith("/console/invitation")) return show(linkScreen(INVITATION));
  if (location.pathname.endsWith("/console/reset")) return show(linkScreen(RESET));
  if (!loggedIn() && location.hash === "#/forgot") return show(forgotScreen());
  if (!loggedIn()) return show(loginScreen());
  if (!session.user) {
    try {
      session.user = await get("/v1/users/me");
    } catch (problem) {
      if (problem.status === 401) return;
      return show(failure(problem));
    }
  }
  const found = routes.map(([pattern, screen]) => [location.hash.match(pattern), screen]).find(([match]) => match);
  if (!found) { location.hash = "#/campaigns"; return; }
  const [match, screen] = found;
  const params = match.slice(1).map(decodeURIComponent);
  try {
    show(await screen(...params), message);
  } catch (problem) {
    if (problem.status === 401) return;
    show(failure(problem));
  }
}

function failure(problem) {
  const title = problem.status === 404 ? "Not found" : "This screen could not be shown";
  return {title, nodes: [heading(title), h("p", {}, problem.sentence || String(problem)),
    h("p", {}, h("a", {href: "#/campaigns"}, "Back to your campaigns"))]};
}

function loginScreen(reason) {
  const form = onSubmit(h("form", {novalidate: true},
    field({name: "email", label: "Email address", type: "email", autocomplete: "username", required: true}),
    field({name: "password", label: "Password", type: "password", autocomplete: "current-password", required: true}),
    h("button", {type: "submit"}, "Log in")), async ({email, password}) => {
    session.user = await logIn(email, password);
    if (interrupted && interrupted.hash === location.hash) {
      const kept = interrupted;
      interrupted = null;
      document.title = kept.title;
      replace(main, ...kept.nodes);
      navigation();
      announce("You are logged in again. Nothing you typed was lost: send it again to save it.", "success");
      main.querySelector("h1")?.focus();
      return;
    }
    interrupted = null;
    if (!location.hash || location.hash === "#/login") location.hash = "#/campaigns";
    else route();
  });
  return {title: "Log in", nodes: [heading("Log in"),
    reason ? h("p", {class: "notice"}, reason) : null,
    h("p", {}, "Log in with the email address and password of your organiser account."), form,
    h("p", {}, h("a", {href: "#/forgot"}, "Forgotten your password?"))]};
}

function forgotScreen() {
  const form = onSubmit(h("form", {novalidate: true},
    field({name: "email", label: "Your email address", type: "email", autocomplete: "username", required: true}),
    h("button", {type: "submit"}, "Email me a link")), async ({email}) => {
    const answer = await post("/v1/auth/reset", {email: email.trim()}, {auth: false});
    form.reset();
    announce(answer.detail, "success");
  });
  return {title: "Forgotten password", nodes: [heading("Forgotten your password?"),
    h("p", {}, "Give the email address of your account: we will email it a link to choose a new password. The link works once, within 30 minutes, and logs your account out everywhere."),
    form, h("p", {}, h("a", {href: "#/login"}, "Back to log in"))]};
}

/** What an invitation's page and a reset's page each say and do. */
const INVITATION = {title: "Choose your password", intro: "You have been invited to run campaigns here. Choose the password you will log in with.",
  button: "Create my account", path: (token) => `/v1/invitations/${encodeURIComponent(token)}`, welcome: "Your account is ready. Say which organisation runs your campaigns: signers are told before they agree to be contacted.",
  spent: "This invitation has been used or has expired (it works once, within 72 hours). Ask the admin who invited you to send another."};
const RESET = {title: "Choose a new password", intro: "Choose a new password for your account. Every session of your account ends, on every computer and phone.",
  button: "Set the new password", path: (token) => `/v1/auth/reset/${encodeURIComponent(token)}`, welcome: "Your new password is set, and you are logged in. Every other session of your account has ended.",
  spent: "This link has been used or has expired (it works once, within 30 minutes). Ask for another from the log-in page."};

/** The page a link about an account opens: its token is after `#`, never sent in a request
 * line, so it stays out of every log. */
function linkScreen(kind) {
  const token = location.hash.slice(1);
  const form = onSubmit(h("form", {novalidate: true},
    field({name: "password", label: "Password", type: "password", autocomplete: "new-password", required: true,
      hint: "At least 12 characters. A few unrelated words make a strong one."}),
    h("button", {type: "submit"}, kind.button)), async ({password}) => {
    let answer;
    try {
      answer = await post(kind.path(token), {password}, {auth: false});
    } catch (problem) {
      if (problem.status === 404) problem.message = kind.spent;
      throw problem;
    }
    setToken(answer.access_token);
    session.user = await get("/v1/users/me");
    // The link is spent: leave it out of the address and the history.
    history.replaceState(null, "", "/console/#/account");
    await route();
    announce(kind.welcome, "success");
  });
  return {title: kind.title, nodes: [heading(kind.title), h("p", {}, kind.intro), form]};
}

function setupScreen() {
  const token = location.hash.slice(1);
  const nodes = [heading("Create the first admin")];
  if (!token) {
    nodes.push(h("p", {}, "This address needs the one-time code after # that the service wrote to its log when it started. Copy the whole set-up link from the log (docker compose logs app) into the address bar."));
    return {title: "Set up", nodes};
  }
  const form = onSubmit(h("form", {novalidate: true},
    field({name: "email", label: "Your email address", type: "email", autocomplete: "username", required: true}),
    field({name: "password", label: "Choose a password", type: "password", autocomplete: "new-password", required: true,
      hint: "At least 12 characters. A few unrelated words make a strong one."}),
    h("button", {type: "submit"}, "Create the admin account")), async ({email, password}) => {
    try {
      await post("/v1/setup", {token, email, password}, {auth: false});
    } catch (problem) {
      // Once an account exists set-up is gone altogether.
      if (problem.status === 404) {
        problem.message = "Set-up is over: the first admin already exists. Log in instead, or ask an admin for an account";
      }
      throw problem;
    }
    session.user = await logIn(email, password);
    // The set-up link is spent: leave it out of the address and the history.
    history.replaceState(null, "", "/console/#/account");
    await route();
    announce("Your admin account is ready. Say which organisation runs your campaigns: signers are told before they agree to be contacted.", "success");
  });
  nodes.push(h("p", {}, "No one has an account yet. The account you create here is an admin: it can add other organisers later. This link works once, within an hour of the service starting."), form);
  return {title: "Set up", nodes};
}

/** Back to the log-in screen once the session is over, saying so. */
function loggedOut(message) {
  setToken(null);
  session.user = null;
  interrupted = null;
  leave();
  history.replaceState(null, "", "/console/#/login");
  show(loginScreen());
  announce(message, "success");
}

async function logOut() {
  // The session ends on the service too, so the token is worth nothing from now on; if the
  // service cannot be reached, this browser forgets the token all the same.
  try { await post("/v1/auth/logout"); } catch { /* forgotten below */ }
  loggedOut("You have logged out.");
}

whenUnauthorised(() => {
  leave();
  session.user = null;
  interrupted = {hash: location.hash, title: document.title, nodes: [...main.childNodes]};
  show(loginScreen("Your session has ended. Log in again to carry on: what you were typing is kept."));
});

window.addEventListener("hashchange", route);
route();

