// Post numbering rendered from a style, never stored in the text (mirrors core/text/numbering.py).
import { MAX_POST_LENGTH, weightedLength } from './weighted-length.js';

export const STYLES = ['1/n', '(1/n)', '1.', 'thread', 'none'];
const URL_LINE = /^\S+:\/\/\S+$|^www\.\S+$/i;

/** The label of post `index` (1-based) of `total`; '' for 'none' and a thread of one post. */
export function label(index, total, style) {
  if (total <= 1) return '';
  if (style === '1/n') return `${index}/${total}`;
  if (style === '(1/n)') return `(${index}/${total})`;
  if (style === '1.') return `${index}.`;
  if (style === 'thread') return index === 1 ? `🧵 ${index}/` : `${index}/`;
  return '';
}

/** The post as published: the label joined by one space, before or after the body. A last
 * line that is only a link stays last (the label goes before it), as the server does. */
export function numbered(body, index, total, style, position) {
  const tag = label(index, total, style);
  if (!tag) return body;
  if (!body) return tag;
  if (position === 'prefix') return `${tag} ${body}`;
  const lines = body.split('\n');
  if (lines.length > 1 && URL_LINE.test(lines[lines.length - 1].trim())) {
    const link = lines.pop();
    return `${lines.join('\n')} ${tag}\n${link}`;
  }
  return `${body} ${tag}`;
}

/** The body of a post the server numbered with `style` (the exact label only, else unchanged). */
export function unnumbered(text, index, total, style, position) {
  const tag = label(index, total, style);
  if (!tag) return text;
  if (text === tag) return '';
  if (position === 'prefix') return text.startsWith(`${tag} `) ? text.slice(tag.length + 1) : text;
  const lines = text.split('\n');
  const last = lines.length > 1 && URL_LINE.test(lines[lines.length - 1].trim()) ? lines.pop() : null;
  const head = lines.join('\n');
  if (!head.endsWith(` ${tag}`)) return text;
  const body = head.slice(0, -tag.length - 1);
  return last === null ? body : `${body}\n${last}`;
}

/** How many code units of `body` fit in a post once numbered (the rest is the overflow). */
export function fittingPrefix(body, index, total, style, position) {
  const fits = (n) => weightedLength(numbered(body.slice(0, n), index, total, style, position)) <= MAX_POST_LENGTH;
  if (fits(body.length)) return body.length;
  let lo = 0;
  let hi = body.length;
  while (lo < hi) {  // weight grows with the prefix (a URL counts once complete): binary search
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid; else hi = mid - 1;
  }
  return lo;
}
