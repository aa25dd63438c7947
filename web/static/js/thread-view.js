// The thread being shown: one editable textarea per post with a live weighted counter.
import { weightedLength } from './weighted-length.js';

export const MAX_LENGTH = 280;

export class ThreadView {
  constructor(list, onChange) {
    this.list = list;
    this.onChange = onChange;
    this.thread = null;
  }

  clear() {
    this.list.replaceChildren();
    this.thread = null;
  }

  setPost(index, text) {
    let item = this.list.querySelector(`[data-index="${index}"]`);
    if (!item) item = this.addItem(index);
    const area = item.querySelector('textarea');
    area.value = text;
    this.updateCounter(item);
  }

  show(thread) {
    this.thread = thread;
    const items = [...this.list.children];
    items.slice(thread.posts.length).forEach((el) => el.remove());
    thread.posts.forEach((post, i) => this.setPost(i, post.text));
    this.onChange();
  }

  addItem(index) {
    const item = document.createElement('li');
    item.className = 'post';
    item.dataset.index = String(index);
    const id = `post-${index}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = `Post ${index + 1}`;
    const area = document.createElement('textarea');
    area.id = id;
    area.rows = 4;
    const bar = document.createElement('div');
    bar.className = 'post-bar';
    const counter = document.createElement('span');
    counter.className = 'counter';
    counter.id = `${id}-count`;
    counter.setAttribute('aria-live', 'polite');
    area.setAttribute('aria-describedby', counter.id);
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'copy-one';
    copy.textContent = 'Copy';
    copy.setAttribute('aria-label', `Copy post ${index + 1}`);
    copy.addEventListener('click', () => this.copy(area.value, `Post ${index + 1} copied.`));
    area.addEventListener('input', () => { this.updateCounter(item); this.onChange(); });
    bar.append(counter, copy);
    item.append(label, area, bar);
    const next = [...this.list.children].find((el) => Number(el.dataset.index) > index);
    this.list.insertBefore(item, next ?? null);
    return item;
  }

  updateCounter(item) {
    const area = item.querySelector('textarea');
    const counter = item.querySelector('.counter');
    const length = weightedLength(area.value);
    const over = length > MAX_LENGTH;
    counter.textContent = `${length}/${MAX_LENGTH}`;
    area.rows = fittingRows(area.value);
    counter.classList.toggle('over', over);
    item.classList.toggle('over', over);
    area.setAttribute('aria-invalid', String(over));
  }

  texts() {
    return [...this.list.querySelectorAll('textarea')].map((a) => a.value);
  }

  overLimit() {
    return this.texts().some((t) => weightedLength(t) > MAX_LENGTH);
  }

  async copy(text, message) {
    await navigator.clipboard.writeText(text);
    this.onCopied?.(message);
  }
}

function fittingRows(text) {
  const lines = text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 34)), 0);
  return Math.min(12, Math.max(3, lines));
}

export function asText(posts) {
  return posts.join('\n\n');
}

export function asMarkdown(posts, source) {
  const title = source?.title ? `# ${source.title}\n\n` : '';
  const link = source?.canonical_url || source?.url;
  const from = link ? `Source: <${link}>\n\n` : '';
  return `${title}${from}${posts.join('\n\n---\n\n')}\n`;
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
