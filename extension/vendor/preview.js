// The thread as X shows it: avatar, name, line breaks kept, links in their short display
// form, and the "Show this thread" connector under the first post.
import { findUrls } from './weighted-length.js';

const DISPLAY_MAX = 25;

/** How X prints a link: no scheme, no "www.", long ones cut with an ellipsis. */
export function displayUrl(url) {
  const short = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^www\./i, '');
  return short.length > DISPLAY_MAX ? `${short.slice(0, DISPLAY_MAX - 1)}…` : short;
}

function body(raw) {
  const text = raw.normalize('NFC');
  const out = document.createElement('p');
  out.className = 'x-text';
  let at = 0;
  for (const [start, end] of findUrls(text)) {
    out.append(text.slice(at, start));
    const a = document.createElement('a');
    const href = text.slice(start, end);
    a.href = /^[a-z]+:\/\//i.test(href) ? href : `https://${href}`;
    a.textContent = displayUrl(href);
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    out.append(a);
    at = end;
  }
  out.append(text.slice(at));
  return out;
}

/** Fill `root` with one X-style post per text. */
export function renderPreview(root, texts, { name = 'You', handle = '@you' } = {}) {
  const posts = texts.map((text, i) => {
    const post = document.createElement('article');
    post.className = 'x-post';
    post.setAttribute('aria-label', `Post ${i + 1} of ${texts.length}`);
    const avatar = document.createElement('div');
    avatar.className = 'x-avatar';
    avatar.setAttribute('aria-hidden', 'true');
    avatar.textContent = name.slice(0, 1).toUpperCase();
    const main = document.createElement('div');
    main.className = 'x-main';
    const who = document.createElement('p');
    who.className = 'x-who';
    const strong = document.createElement('strong');
    strong.textContent = name;
    who.append(strong, ` ${handle} · now`);
    main.append(who, body(text));
    if (i === 0 && texts.length > 1) {
      const more = document.createElement('span');
      more.className = 'x-show-thread';
      more.textContent = 'Show this thread';
      main.append(more);
    }
    post.append(avatar, main);
    if (i + 1 < texts.length) post.classList.add('x-connected');
    return post;
  });
  root.replaceChildren(...posts);
}
