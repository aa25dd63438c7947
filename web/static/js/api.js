// The API v1 client: bearer token from localStorage (no cookies, so no CSRF surface).
import { readEventStream } from './sse.js';

const TOKEN_KEY = 'threadr.token';
const USER_KEY = 'threadr.user';

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const err = body?.error ?? {};
    super(err.message || `Request failed (${status}).`);
    this.status = status;
    this.code = err.code || 'error';
    this.details = err;
    this.retryAfter = retryAfter ? Number(retryAfter) : null;
  }
}

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

export async function api(method, path, body) {
  const init = { method, headers: headers() };
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
  let thread = null;
  let error = null;
  await readEventStream(response, ({ event, data }) => {
    const payload = JSON.parse(data);
    if (event === 'meta') handlers.meta?.(payload.source);
    else if (event === 'post') handlers.post?.(payload);
    else if (event === 'done') thread = payload;
    else if (event === 'error') error = new ApiError(200, { error: payload });
  }, signal);
  if (error) throw error;
  if (!thread) throw new ApiError(0, { error: { message: 'The connection was interrupted. Please retry.' } });
  return thread;
}
