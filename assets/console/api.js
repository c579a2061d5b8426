// The one way the console talks to the service: the public JSON API, with the organiser's
// bearer token. The token lives in memory and in sessionStorage (gone when the tab closes),
// never in localStorage or a cookie.

const KEY = "undersigned.token";
let token = sessionStorage.getItem(KEY);
let onUnauthorised = () => {};

export function loggedIn() {
  return token !== null;
}

export function setToken(value) {
  token = value;
  if (value === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, value);
}

/** Called when the token is refused (expired, say): the app shows the log-in screen. */
export function whenUnauthorised(handler) {
  onUnauthorised = handler;
}

/** A problem the API answered (application/problem+json), or one made up for a failure
 * to reach it. */
export class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.type = (body.type || "").replace("urn:undersigned:problem:", "");
    this.title = body.title || "";
    this.errors = Array.isArray(body.errors) ? body.errors : [];
  }

  /** The whole problem in sentences a person understands. */
  get sentence() {
    if (this.type === "offline") return this.message;
    const detail = this.message.charAt(0).toUpperCase() + this.message.slice(1);
    return /[.!?]$/.test(detail) ? detail : `${detail}.`;
  }
}

const OFFLINE = "The service could not be reached. Check your connection and try again: nothing you typed has been lost.";

/** Sends a request; the JSON answer (or text, for `accept` other than JSON, or a Blob with
 * `blob`). Throws a Problem for any answer that is not a success. */
export async function api(method, path, {body, file, accept = "application/json", blob = false, auth = true} = {}) {
  const headers = {Accept: accept};
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // A file goes as the body itself, typed as the browser typed it.
  if (file !== undefined) headers["Content-Type"] = file.type || "application/octet-stream";
  let response;
  try {
    // Always as the service has it now: the public count and tally may be cached for a few
    // seconds, which a dashboard must not show.
    const sent = file !== undefined ? file : body === undefined ? undefined : JSON.stringify(body);
    response = await fetch(path, {method, headers, cache: "no-cache", body: sent});
  } catch {
    throw new Problem(0, {type: "offline", detail: OFFLINE});
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { problem = {}; }
    const refused = new Problem(response.status, problem);
    if (response.status === 401 && auth && token) {
      setToken(null);
      onUnauthorised(refused);
    }
    throw refused;
  }
  if (response.status === 204) return null;
  if (blob) return response.blob();
  if (accept === "application/json") return response.json();
  return response.text();
}

export const get = (path, options) => api("GET", path, options);
export const post = (path, body, options) => api("POST", path, {...options, body});
export const patch = (path, body) => api("PATCH", path, {body});
export const put = (path, body) => api("PUT", path, {body});
export const remove = (path) => api("DELETE", path);
export const putFile = (path, file) => api("PUT", path, {file});

/** Logs in; the account, once the token is kept. */
export async function logIn(email, password) {
  const answer = await api("POST", "/v1/auth/token", {body: {email, password}, auth: false});
  setToken(answer.access_token);
  return get("/v1/users/me");
}

export function slugPath(slug) {
  return `/v1/campaigns/${encodeURIComponent(slug)}`;
}
