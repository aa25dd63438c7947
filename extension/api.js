// The Threadr API v1 client of the extension. The server URL and the extension token
// (`thr_…`, from POST /api/v1/tokens) live in chrome.storage.local; nothing else is kept.
import { DEFAULT_SERVER_URL } from './config.js';
import { ApiError, readThreadStream } from './vendor/sse.js';

export { ApiError };

export const MODES = Object.freeze(['summarize', 'split']);  // summarize unless asked to split
export const OPTION_DEFAULTS = Object.freeze({
  mode: 'summarize', numbering: '1/n', numbering_position: 'suffix', link: 'last', max_posts: null,
});

export function normaliseServerUrl(value) {
  let url;
  try { url = new URL(String(value || '').trim()); } catch { return null; }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.origin;
}

/** Everything the popup and the options page read from storage, with defaults filled in. */
export async function loadState() {
  const s = await chrome.storage.local.get(['serverUrl', 'token', 'tokenId', 'email', 'defaults']);
  return {
    serverUrl: normaliseServerUrl(s.serverUrl) || normaliseServerUrl(DEFAULT_SERVER_URL),
    token: s.token || null,
    tokenId: s.tokenId || null,
    email: s.email || null,
    defaults: withDefaults(s.defaults),
  };
}

/** Stored defaults over OPTION_DEFAULTS; a mode of an older build ("auto") becomes summarize. */
export function withDefaults(stored) {
  const defaults = { ...OPTION_DEFAULTS, ...(stored || {}) };
  if (!MODES.includes(defaults.mode)) defaults.mode = OPTION_DEFAULTS.mode;
  return defaults;
}

export class Client {
  constructor(serverUrl, token) {
    this.serverUrl = serverUrl;
    this.token = token;
  }

  headers(extra = {}, token = this.token) {
    const h = { Accept: 'application/json', ...extra };
    if (token) h.Authorization = `Bearer ${token}`;
    return h;
  }

  async send(path, init) {
    try {
      return await fetch(`${this.serverUrl}${path}`, init);
    } catch (err) {
      if (err?.name === 'AbortError') throw err;
      throw new ApiError(0, { error: { code: 'unreachable', message:
        `Cannot reach the Threadr server at ${this.serverUrl}. Check that it is running, or ` +
        'change the server in the extension options.' } });
    }
  }

  async failure(response) {
    let body = null;
    try { body = await response.json(); } catch { /* not JSON */ }
    return new ApiError(response.status, body, response.headers.get('Retry-After'));
  }

  async request(method, path, body, token = this.token) {
    const init = { method, headers: this.headers({}, token) };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await this.send(path, init);
    if (!response.ok) throw await this.failure(response);
    return response.status === 204 ? null : response.json();
  }

  /** POST /api/v1/threads as Server-Sent Events: handlers.meta(source), handlers.post(post). */
  async streamThread(body, handlers, signal) {
    const response = await this.send('/api/v1/threads', {
      method: 'POST',
      headers: this.headers({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await this.failure(response);
    return readThreadStream(response, handlers, signal);
  }

  /** Email + password → a JWT → a long-lived extension token (what the extension keeps). */
  async signIn(email, password) {
    const auth = await this.request('POST', '/api/v1/auth/login', { email, password }, null);
    const created = await this.request('POST', '/api/v1/tokens',
      { name: 'Browser extension' }, auth.token);
    return { token: created.token, tokenId: created.id, email: auth.user?.email || email };
  }
}
