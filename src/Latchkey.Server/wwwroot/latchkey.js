// latchkey.js: a dependency-free client for single-page apps that call a Latchkey API with an app session
// (Authorization: Bearer <apiKey> together with X-App-Id: <appId>). Load it as a module:
//   import { Latchkey } from '/latchkey.js';
//   const latchkey = new Latchkey({ onUnauthorized: reason => showLogin(reason) });
//   await latchkey.login(login, password);      // throws LatchkeyError with a readable message
//   const me = await latchkey.fetchJson('/v1/me');
//
// The app id: generated once per browser session and kept in a session cookie (latchkey-spa-app, SameSite=Strict),
// so a reload or a second tab reuses it. Note: seed 1 also allows a new id per page load, but then every reload
// would leave the previous session orphaned (its key would no longer travel with its app id); one browser session =
// one app instance = one line in "Your devices".
//
// The key: kept in localStorage next to that app id, because a key held in memory only would be lost at every
// reload. The trade-off: any script running on this origin (a cross-site scripting hole, a compromised dependency)
// can read it and use it from elsewhere until it expires or is revoked; an HttpOnly cookie (what Latchkey's own pages
// use) cannot be read by script. Pages using this library should send a strict Content-Security-Policy, load no
// third-party script, and let people end sessions in "Your devices". The key is dropped when the browser session
// ends (the app id cookie goes, and a key without its app id is useless) and at every 401.
//
// Nothing is renewed silently: when the server answers 401 (revoked, expired, password changed), the key is
// forgotten and onUnauthorized(reason, detail) is called so the page can ask the person to log in again. The reason is
// the server's for a key that once worked (expired, idle, logged_out, revoked_by_admin, replaced, password_changed,
// password_reset, user_disabled, user_deleted, token_rotated, leaked, session_evicted, tenant_policy: the problem's
// "reason", docs/authorization.md), so the page can say "You were signed out because your password was changed";
// otherwise the challenge's error (invalid_token), or not_logged_in when no key was held.

const appIdCookie = 'latchkey-spa-app';
const keyStorage = 'latchkey.spa.key';

export class LatchkeyError extends Error {
  constructor(message, status, reason) {
    super(message);
    this.name = 'LatchkeyError';
    this.status = status;
    this.reason = reason;
  }
}

export class Latchkey {
  /**
   * @param {{ baseUrl?: string, appName?: string, onUnauthorized?: (reason: string, detail: string) => void }} options
   * baseUrl: where the Latchkey API is (default: this origin); appName: shown in "Your devices" (default: the
   * server names the browser from its User-Agent).
   */
  constructor(options = {}) {
    this.baseUrl = options.baseUrl ?? '';
    this.appName = options.appName;
    this.onUnauthorized = options.onUnauthorized ?? (() => {});
    this.appId = readCookie(appIdCookie) ?? newAppId();
    const stored = JSON.parse(localStorage.getItem(keyStorage) ?? 'null');
    // Note: a key stored for another app id (an earlier browser session) can never work again.
    this.apiKey = stored && stored.appId === this.appId ? stored.apiKey : null;
    if (!this.apiKey) localStorage.removeItem(keyStorage);
  }

  /** True while a key is held (it may still have been revoked; the next call tells). */
  get loggedIn() { return this.apiKey !== null; }

  /** Logs in from this app instance; a new key replaces this instance's previous one. */
  async login(login, password) {
    const response = await fetch(`${this.baseUrl}/v1/login?useCookies=false`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ login, password, appId: this.appId, appName: this.appName }),
      credentials: 'omit',
    });
    const body = await readJson(response);
    if (!response.ok) {
      const message = response.status === 401 ? 'The login or password is wrong.'
        : response.status === 429 ? `Too many attempts; try again in ${response.headers.get('Retry-After') ?? 'a few'} seconds.`
        : body?.errors ? Object.values(body.errors).flat().join(' ')
        : body?.detail ?? body?.title ?? `Login failed (${response.status}).`;
      throw new LatchkeyError(message, response.status, 'login_failed');
    }
    this.apiKey = body.apiKey;
    localStorage.setItem(keyStorage, JSON.stringify({ appId: this.appId, apiKey: this.apiKey }));
    return { sessionId: body.sessionId, expiresAt: body.expiresAt };
  }

  /** fetch() with the header pair; a 401 forgets the key, calls onUnauthorized and throws. */
  async fetch(path, init = {}) {
    if (!this.apiKey) {
      this.onUnauthorized('not_logged_in', 'Log in first.');
      throw new LatchkeyError('Not logged in.', 401, 'not_logged_in');
    }
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${this.apiKey}`);
    headers.set('X-App-Id', this.appId);
    const response = await fetch(this.baseUrl + path, { ...init, headers, credentials: 'omit' });
    if (response.status === 401) {
      // Note: RFC 6750: error="invalid_token" means the key was presented and refused (revoked or expired).
      const challenge = response.headers.get('WWW-Authenticate') ?? '';
      const problem = await readJson(response);
      const reason = (typeof problem?.reason === 'string' && problem.reason)
        || (/error="([^"]+)"/.exec(challenge)?.[1] ?? 'unauthorized');
      const detail = problem?.detail ?? 'Please log in again.';
      this.forget();
      this.onUnauthorized(reason, detail);
      throw new LatchkeyError(detail, 401, reason);
    }
    return response;
  }

  /** fetch() that parses JSON and throws LatchkeyError for any non-2xx answer. */
  async fetchJson(path, init = {}) {
    const response = await this.fetch(path, init);
    const body = await readJson(response);
    if (!response.ok) throw new LatchkeyError(body?.detail ?? body?.title ?? `HTTP ${response.status}`, response.status, 'http_error');
    return body;
  }

  /** Ends this app instance's session on the server and forgets the key. */
  async logout() {
    try {
      if (this.apiKey) await this.fetch('/v1/sessions/current', { method: 'DELETE' });
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error;
    } finally {
      this.forget();
    }
  }

  forget() {
    this.apiKey = null;
    localStorage.removeItem(keyStorage);
  }
}

function newAppId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const id = 'spa-' + Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${appIdCookie}=${id}; Path=/; SameSite=Strict${secure}`;
  return id;
}

function readCookie(name) {
  const match = document.cookie.split('; ').find(c => c.startsWith(name + '='));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : null;
}

async function readJson(response) {
  const text = await response.text();
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}
