// A spec-compliant Server-Sent Events parser over a fetch() body (EventSource cannot POST).
// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

export class SSEParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.event = '';
    this.data = [];
  }

  feed(chunk) {
    // A chunk ending in "\r" may be the first half of a "\r\n" split across chunks.
    if (this.sawCR && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.sawCR = chunk.endsWith('\r');
    this.buffer += chunk;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop();
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === '') {
      if (this.data.length) {
        this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      }
      this.reset();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

export async function readEventStream(response, onEvent, signal) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SSEParser(onEvent);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
      if (signal?.aborted) break;
    }
  } finally {
    reader.releaseLock();
  }
}

/** An API error: `{"error": {"code", "message", ...}}` with its HTTP status. */
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

/** Reads a thread's event stream: handlers.meta(source), handlers.post({index, text, …}) as
 * posts arrive (replace by index: the final thread may renumber them); resolves to the thread
 * of the `done` event, or throws the `error` event / an interruption as an ApiError. */
export async function readThreadStream(response, handlers, signal) {
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
  if (!thread) {
    throw new ApiError(0, { error: { code: 'interrupted',
      message: 'The connection to Threadr was interrupted. Please retry.' } });
  }
  return thread;
}
