// The API v1 client: bearer token from localStorage (no cookies, so no CSRF surface).
import { ApiError, readThreadStream } from './sse.js';

export { ApiError };

const TOKEN_KEY = 'threadr.token';
const USER_KEY = 'threadr.user';

export const session = {
  get token() { return localStorage.getItem(TOKEN_KEY); },
  get user() {
    try { return JSON.parse(localStorage.getItem(USER_KEY) || 'null'); } catch { return null; }
  },
  save(token, user) {
    localStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear() {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(USER_KEY);
  },
};

function headers(extra = {}) {
  const h = { Accept: 'application/json', ...extra };
  if (session.token) h.Authorization = `Bearer ${session.token}`;
  return h;
}

async function failure(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  if (response.status === 401 && session.token) session.clear();
  return new ApiError(response.status, body, response.headers.get('Retry-After'));
}

export async function api(method, path, body, extraHeaders = {}) {
  const init = { method, headers: headers(extraHeaders) };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

// POST /api/v1/threads as a stream: handlers.meta(source), .post({index,text}), returns the thread.
export async function streamThread(request, handlers, signal) {
  const response = await fetch('/api/v1/threads', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
    body: JSON.stringify(request),
    signal,
  });
  if (!response.ok) throw await failure(response);
  return readThreadStream(response, handlers, signal);
}
