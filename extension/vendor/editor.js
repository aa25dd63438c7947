// The thread editor shared by the page and the extension (vendored by the build): posts as
// cards with add, delete, reorder (drag and drop, Alt+↑/↓), split at the cursor, merge with
// the next, Fit; numbering rendered from a style (never in the text) and counted live.
import { MAX_POST_LENGTH, weightedLength } from './weighted-length.js';
import { fittingPrefix, label, numbered, unnumbered } from './numbering.js';

const TOOLS = [  // [action, text, aria label (post number appended)]
  ['add', '+ Post', 'Add a post after post'],
  ['split', 'Split', 'Split at the cursor: post'],
  ['merge', 'Merge ↓', 'Merge with the next post: post'],
  ['up', '↑', 'Move up (Alt+↑): post'],
  ['down', '↓', 'Move down (Alt+↓): post'],
  ['fit', 'Fit', 'Re-split to fit: post'],
  ['copy', 'Copy', 'Copy post'],
  ['delete', 'Delete', 'Delete post'],
];

export class ThreadEditor {
  /** list: an <ol>; hooks: onChange(), onCopy(text, message), fit(body, index, total, style) → bodies. */
  constructor(list, hooks = {}) {
    this.list = list;
    this.hooks = hooks;
    this.bodies = [];
    this.style = { numbering: '1/n', position: 'suffix' };
    this.streaming = false;
    this.dragFrom = null;
  }

  /** Show a thread the server numbered with `options`: its labels are taken out of the text. */
  load(texts, options = {}) {
    this.style = { numbering: options.numbering || 'none', position: options.numbering_position || 'suffix' };
    const total = texts.length;
    this.bodies = texts.map((t, i) => unnumbered(t, i + 1, total, this.style.numbering, this.style.position));
    this.streaming = false;
    this.render();
  }

  /** A post arriving from the stream, shown as sent until `load` gets the whole thread. */
  stream(index, text) {
    this.streaming = true;
    this.bodies[index] = text;
    this.render();
  }

  snapshot() { return { bodies: [...this.bodies], style: { ...this.style } }; }

  restore(snap) {
    this.bodies = [...snap.bodies];
    this.style = { ...snap.style };
    this.streaming = false;
    this.render();
  }

  clear() { this.bodies = []; this.streaming = false; this.render(); }

  setStyle(numbering, position) {
    this.style = { numbering, position: position || this.style.position };
    this.refresh();
    this.changed();
  }

  text(i) {
    if (this.streaming) return this.bodies[i];
    return numbered(this.bodies[i], i + 1, this.bodies.length, this.style.numbering, this.style.position);
  }

  texts() { return this.bodies.map((_, i) => this.text(i)); }

  overLimit() { return this.bodies.some((_, i) => weightedLength(this.text(i)) > MAX_POST_LENGTH); }

  changed() { this.hooks.onChange?.(); }

  // ---- the actions ----
  add(after) { this.bodies.splice(after + 1, 0, ''); this.render(after + 1); this.changed(); }

  remove(i) {
    this.bodies.splice(i, 1);
    this.render(Math.min(i, this.bodies.length - 1));
    this.changed();
  }

  move(i, delta) {
    const to = i + delta;
    if (to < 0 || to >= this.bodies.length || to === i) return;
    const [body] = this.bodies.splice(i, 1);
    this.bodies.splice(to, 0, body);
    this.render(to);
    this.changed();
  }

  split(i, at) {
    const body = this.bodies[i];
    const head = body.slice(0, at).trimEnd();
    const tail = body.slice(at).trimStart();
    if (!head || !tail) return;
    this.bodies.splice(i, 1, head, tail);
    this.render(i + 1, 0);
    this.changed();
  }

  merge(i) {
    if (i + 1 >= this.bodies.length) return;
    const [a, b] = [this.bodies[i].trimEnd(), this.bodies[i + 1].trimStart()];
    this.bodies.splice(i, 2, a && b ? `${a} ${b}` : a || b);
    this.render(i, a.length);
    this.changed();
  }

  async fit(i) {
    if (!this.hooks.fit) return;
    const pieces = await this.hooks.fit(this.bodies[i], i + 1, this.bodies.length, this.style);
    if (!pieces?.length) return;
    this.bodies.splice(i, 1, ...pieces);
    this.render(i);
    this.changed();
  }

  // ---- rendering ----
  render(focus = null, caret = null) {
    this.list.replaceChildren(...this.bodies.map((_, i) => this.card(i)));
    this.refresh();
    if (focus !== null && focus >= 0) {
      const area = this.list.querySelector(`#post-${focus}`);
      if (area) {
        area.focus();
        if (caret !== null) area.setSelectionRange(caret, caret);
      }
    }
  }

  card(i) {
    const n = i + 1;
    const item = el('li', 'post');
    item.dataset.index = String(i);
    const head = el('div', 'post-head');
    const handle = el('button', 'drag', '⠿');
    Object.assign(handle, { type: 'button', draggable: true, title: 'Drag to reorder' });
    handle.setAttribute('aria-label', `Drag to reorder post ${n} (or Alt+↑/↓ in the text)`);
    const name = el('label', 'post-name', `Post ${n}`);
    name.htmlFor = `post-${i}`;
    const num = el('span', 'num');
    const counter = el('span', 'counter');
    counter.id = `post-${i}-count`;
    counter.setAttribute('aria-live', 'polite');
    head.append(handle, name, num, counter);
    const area = el('textarea');
    area.id = `post-${i}`;
    area.value = this.bodies[i];
    area.setAttribute('aria-describedby', counter.id);
    area.addEventListener('input', () => { this.bodies[i] = area.value; this.refresh(); this.changed(); });
    area.addEventListener('keydown', (e) => this.onKey(e, i, area));
    const overflow = el('p', 'overflow');
    overflow.hidden = true;
    const tools = el('div', 'post-tools');
    tools.setAttribute('role', 'group');
    tools.setAttribute('aria-label', `Post ${n} actions`);
    for (const [action, text, aria] of TOOLS) {
      const button = el('button', `tool-${action}`, text);
      button.type = 'button';
      button.dataset.action = action;
      button.setAttribute('aria-label', `${aria} ${n}`);
      button.addEventListener('click', () => this.act(action, i, area));
      tools.append(button);
    }
    item.append(head, area, overflow, tools);
    this.dragAndDrop(item, handle, i);
    return item;
  }

  act(action, i, area) {
    if (action === 'add') this.add(i);
    else if (action === 'split') this.split(i, area.selectionStart ?? area.value.length);
    else if (action === 'merge') this.merge(i);
    else if (action === 'up') this.move(i, -1);
    else if (action === 'down') this.move(i, 1);
    else if (action === 'fit') this.fit(i);
    else if (action === 'copy') this.hooks.onCopy?.(this.text(i), `Post ${i + 1} copied.`);
    else if (action === 'delete') this.remove(i);
  }

  onKey(event, i, area) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      event.preventDefault();
      const caret = area.selectionStart;
      this.move(i, event.key === 'ArrowUp' ? -1 : 1);
      const moved = this.list.querySelector('textarea:focus');
      moved?.setSelectionRange(caret, caret);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      this.split(i, area.selectionStart);
    }
  }

  dragAndDrop(item, handle, i) {
    handle.addEventListener('dragstart', (e) => {
      this.dragFrom = i;
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', String(i));
      item.classList.add('dragging');
    });
    handle.addEventListener('dragend', () => { item.classList.remove('dragging'); this.dragFrom = null; });
    item.addEventListener('dragover', (e) => {
      if (this.dragFrom === null) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      item.classList.add('drop-target');
    });
    item.addEventListener('dragleave', () => item.classList.remove('drop-target'));
    item.addEventListener('drop', (e) => {
      e.preventDefault();
      const from = this.dragFrom ?? Number(e.dataTransfer.getData('text/plain'));
      this.dragFrom = null;
      if (Number.isInteger(from)) this.move(from, i - from);
    });
  }

  /** Labels, counters, red state and overflow of every card (after any change). */
  refresh() {
    const total = this.bodies.length;
    const { numbering, position } = this.style;
    [...this.list.children].forEach((item, i) => {
      const body = this.bodies[i];
      const text = this.text(i);
      const length = weightedLength(text);
      const over = length > MAX_POST_LENGTH;
      const tag = this.streaming ? '' : label(i + 1, total, numbering);
      const num = item.querySelector('.num');
      num.textContent = tag ? `${position === 'prefix' ? 'starts' : 'ends'} with ${tag}` : '';
      const counter = item.querySelector('.counter');
      counter.textContent = `${length}/${MAX_POST_LENGTH}`;
      counter.classList.toggle('over', over);
      item.classList.toggle('over', over);
      const area = item.querySelector('textarea');
      area.setAttribute('aria-invalid', String(over));
      area.rows = fittingRows(body);
      item.querySelector('.tool-fit').hidden = !over || this.streaming;
      item.querySelector('.tool-merge').disabled = i + 1 >= total;
      item.querySelector('.tool-up').disabled = i === 0;
      item.querySelector('.tool-down').disabled = i + 1 >= total;
      const overflow = item.querySelector('.overflow');
      overflow.hidden = !over;
      if (over) {
        const cut = this.streaming ? body.length : fittingPrefix(body, i + 1, total, numbering, position);
        const kept = el('span', 'kept', body.slice(Math.max(0, cut - 40), cut));
        overflow.replaceChildren(`Over by ${length - MAX_POST_LENGTH}: …`, kept, el('mark', '', body.slice(cut)));
      }
    });
  }
}

function el(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function fittingRows(text) {
  const lines = text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 34)), 0);
  return Math.min(12, Math.max(3, lines));
}
