// Nothing lost: the thread being edited is kept in the browser at once, and (signed in) saved
// to history a moment after the last change. Shared by the page and the extension.
const KEY = 'threadr.draft';

export function saveDraft(storage, draft) {
  try { storage.setItem(KEY, JSON.stringify({ ...draft, saved_at: Date.now() })); } catch { /* full */ }
}

export function loadDraft(storage) {
  try {
    const draft = JSON.parse(storage.getItem(KEY) || 'null');
    return draft && Array.isArray(draft.bodies) && draft.bodies.length ? draft : null;
  } catch { return null; }
}

export function clearDraft(storage) { storage.removeItem(KEY); }

/** Calls `save()` once, `delay` ms after the last `schedule()`; `flush()` saves now. */
export class Debounced {
  constructor(save, delay = 1500) { this.save = save; this.delay = delay; this.timer = null; }
  schedule() { clearTimeout(this.timer); this.timer = setTimeout(() => this.flush(), this.delay); }
  async flush() { clearTimeout(this.timer); this.timer = null; return this.save(); }
}

/** A title for a list: at most `max` characters, cut at a word boundary. */
export function shortTitle(text, max = 70) {
  const clean = (text || '').replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 3 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/** "at 01:00 (in 3 h)" in the person's local time, from an ISO time. */
export function resetPhrase(iso, now = Date.now()) {
  const at = iso ? new Date(iso) : null;
  if (!at || Number.isNaN(at.getTime())) return '';
  const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
  const minutes = Math.max(1, Math.round((at.getTime() - now) / 60000));
  const wait = minutes >= 60 ? `${Math.round(minutes / 60)} h` : `${minutes} min`;
  return `at ${clock} (in ${wait})`;
}
