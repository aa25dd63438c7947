// The thread on the page: the shared editor, its draft (browser at once, history when signed
// in), saving with the thread's version, Restore previous, the X preview and Fit.
import { api, session } from './api.js';
import { clearDraft, Debounced, loadDraft, saveDraft } from './draft.js';
import { ThreadEditor } from './editor.js';
import { renderPreview } from './preview.js';

export const CONFLICT_MESSAGE = 'This thread was changed somewhere else (another tab or device) '
  + 'since you opened it, so your edits were not saved over it. They are still here: copy them, '
  + 'then open the thread again from History.';

export class Workspace {
  constructor($, { say, showError, onChange }) {
    this.$ = $;
    this.say = say;
    this.showError = showError;
    this.onChangeHook = onChange;
    this.meta = null;  // the shown thread's {id, version, source, options}
    this.previous = null;  // {snap, meta} kept one click away after a new Generate
    this.editor = new ThreadEditor($('posts'), {
      onChange: () => this.changed(),
      onCopy: (text, message) => this.copy(text, message),
      fit: (text, index, total, style) => this.fit(text, total, style),
    });
    this.autosave = new Debounced(() => this.save(true), 1500);
  }

  get texts() { return this.editor.texts(); }

  wire() {
    const { $ } = this;
    $('edit-numbering').addEventListener('change', () => this.restyle());
    $('edit-position').addEventListener('change', () => this.restyle());
    $('preview-toggle').addEventListener('click', () => this.togglePreview());
    $('restore-previous').addEventListener('click', () => this.restorePrevious());
    $('save').addEventListener('click', () => this.save(false));
  }

  restyle() {
    const numbering = this.$('edit-numbering').value;
    const position = this.$('edit-position').value;
    this.$('numbering').value = numbering;  // the next Generate asks for the same style
    this.$('numbering_position').value = position;
    this.editor.setStyle(numbering, position);
  }

  showStyle() {
    this.$('edit-numbering').value = this.editor.style.numbering;
    this.$('edit-position').value = this.editor.style.position;
  }

  /** Before a Generate: what to give back if it fails, or on "Restore previous". */
  beforeGenerate() {
    return this.editor.bodies.length ? { snap: this.editor.snapshot(), meta: this.meta } : null;
  }

  streamed(index, text, first) {
    if (first) this.editor.clear();
    this.editor.stream(index, text);
  }

  generated(thread, before) {
    this.show(thread);
    this.previous = before;
    this.$('restore-previous').hidden = !before;
  }

  failed(before) {
    if (before) this.restore(before); else this.editor.clear();
  }

  show(thread) {
    this.meta = { id: thread.id, version: thread.version, source: thread.source, options: thread.options };
    this.editor.load(thread.posts.map((p) => p.text), thread.options);
    this.showStyle();
    this.changed(false);
  }

  restore({ snap, meta }) {
    this.meta = meta;
    this.editor.restore(snap);
    this.showStyle();
    this.changed(false);
  }

  restorePrevious() {
    if (!this.previous) return;
    const current = this.beforeGenerate();
    this.restore(this.previous);
    this.previous = current;
    this.say('Previous thread restored. The newer one is one click away.');
    this.$('restore-previous').textContent = 'Restore the newer thread';
    if (this.meta?.id && session.token) this.autosave.schedule();
  }

  resumeDraft() {
    const draft = loadDraft(localStorage);
    if (!draft) return false;
    this.restore({ snap: { bodies: draft.bodies, style: draft.style }, meta: draft.meta || null });
    return true;
  }

  changed(edited = true) {
    const bodies = this.editor.bodies;
    if (bodies.length && !this.editor.streaming) {
      saveDraft(localStorage, { bodies, style: this.editor.style, meta: this.meta });
    }
    if (!this.$('preview').hidden) this.renderPreview();
    if (edited && this.meta?.id && session.token) this.autosave.schedule();
    this.onChangeHook?.();
  }

  forget() { clearDraft(localStorage); }

  togglePreview() {
    const box = this.$('preview');
    box.hidden = !box.hidden;
    this.$('preview-toggle').setAttribute('aria-expanded', String(!box.hidden));
    this.$('preview-toggle').textContent = box.hidden ? 'Preview' : 'Hide preview';
    if (!box.hidden) this.renderPreview();
  }

  renderPreview() {
    const email = session.user?.email;
    const name = email ? email.split('@')[0] : 'You';
    renderPreview(this.$('preview'), this.texts, { name, handle: `@${name.replace(/\W/g, '').toLowerCase() || 'you'}` });
  }

  async fit(text, total, style) {
    try {
      const result = await api('POST', '/api/v1/posts/fit', {
        text, total, numbering: style.numbering, numbering_position: style.position });
      this.say(`Split into ${result.posts.length} posts that fit.`);
      return result.posts;
    } catch (err) { this.showError(err); return null; }
  }

  /** PATCH the edits with the version they were made on; a conflict keeps them here. */
  async save(quiet) {
    if (!this.meta?.id || !session.token) return;
    if (this.editor.overLimit()) {
      if (!quiet) this.say('A post is over 280 characters: shorten it (or Fit) before saving.');
      return;
    }
    const { id, version } = this.meta;
    const ifMatch = Number.isInteger(version) ? { 'If-Match': `"${version}"` } : {};
    try {
      const saved = await api('PATCH', `/api/v1/threads/${encodeURIComponent(id)}`,
        { posts: this.texts }, ifMatch);
      if (this.meta?.id === id) this.meta = { ...this.meta, version: saved.version };
      this.say(quiet ? 'Draft saved to your history.' : 'Edits saved.');
      this.showError(null);
    } catch (err) {
      if (err.code === 'version_conflict') {
        this.showError({ message: CONFLICT_MESSAGE, code: 'version_conflict' });
      } else if (!quiet) this.showError(err);
    }
  }

  async copy(text, message) {
    try {
      await navigator.clipboard.writeText(text);
      this.say(message);
    } catch { this.say('Copying was blocked by the browser; select the text and copy it by hand.'); }
  }
}
