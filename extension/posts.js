// The thread in the popup: one editable textarea per post with X's live weighted counter.
import { MAX_POST_LENGTH, weightedLength } from './vendor/weighted-length.js';

export class PostList {
  constructor(list, onChange, onCopy) {
    this.list = list;
    this.onChange = onChange;
    this.onCopy = onCopy;
  }

  clear() { this.list.replaceChildren(); }

  set(index, text) {
    const item = this.list.querySelector(`[data-index="${index}"]`) || this.add(index);
    item.querySelector('textarea').value = text;
    this.count(item);
  }

  showAll(texts) {
    [...this.list.children].slice(texts.length).forEach((el) => el.remove());
    texts.forEach((text, i) => this.set(i, text));
    this.onChange();
  }

  add(index) {
    const item = document.createElement('li');
    item.className = 'post';
    item.dataset.index = String(index);
    const area = document.createElement('textarea');
    area.id = `post-${index}`;
    area.rows = 4;
    area.setAttribute('aria-label', `Post ${index + 1}`);
    const bar = document.createElement('div');
    bar.className = 'post-bar';
    const counter = document.createElement('span');
    counter.className = 'counter';
    counter.id = `post-${index}-count`;
    counter.setAttribute('aria-live', 'polite');
    area.setAttribute('aria-describedby', counter.id);
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'copy-one';
    copy.textContent = 'Copy';
    copy.setAttribute('aria-label', `Copy post ${index + 1}`);
    copy.addEventListener('click', () => this.onCopy(area.value, `Post ${index + 1} copied.`));
    area.addEventListener('input', () => { this.count(item); this.onChange(); });
    bar.append(counter, copy);
    item.append(area, bar);
    const next = [...this.list.children].find((el) => Number(el.dataset.index) > index);
    this.list.insertBefore(item, next ?? null);
    return item;
  }

  count(item) {
    const area = item.querySelector('textarea');
    const counter = item.querySelector('.counter');
    const length = weightedLength(area.value);
    const over = length > MAX_POST_LENGTH;
    counter.textContent = `${length}/${MAX_POST_LENGTH}`;
    counter.classList.toggle('over', over);
    item.classList.toggle('over', over);
    area.setAttribute('aria-invalid', String(over));
    area.style.height = 'auto';  // grow to fit the post, so nothing hides behind a scrollbar
    area.style.height = `${Math.min(area.scrollHeight + 2, 320)}px`;
  }

  texts() {
    return [...this.list.querySelectorAll('textarea')].map((a) => a.value);
  }
}
