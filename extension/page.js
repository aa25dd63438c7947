// Reading the page as the person sees it: its HTML (scripts and styles dropped, JSON-LD kept)
// or the selected text, through chrome.scripting on the target tab.

/** Runs inside the page; must be self-contained (it is serialised by executeScript). */
function snapshot() {
  const selection = String(window.getSelection ? window.getSelection() : '').trim();
  if (selection) return { url: location.href, title: document.title, text: selection };
  const root = document.documentElement.cloneNode(true);
  root.querySelectorAll('script:not([type="application/ld+json"]), style, noscript, template, svg')
    .forEach((el) => el.remove());
  return { url: location.href, title: document.title, html: root.outerHTML };
}

/** The tab to read: `?tabId=` when given (tests, the context menu), else the active tab. */
export async function targetTabId(params) {
  const given = Number(params.get('tabId'));
  if (Number.isInteger(given) && given > 0) return given;
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

export class PageUnreadable extends Error {}

const MAX_URL = 2048; // what the API accepts

/** The page URL as the API accepts it: very long ones lose their query and fragment. */
export function apiUrl(url) {
  if (!url || url.length <= MAX_URL) return url;
  const short = new URL(url);
  short.search = '';
  short.hash = '';
  return short.href.slice(0, MAX_URL);
}

export async function readPage(tabId) {
  if (tabId == null) throw new PageUnreadable('There is no page to read.');
  let results;
  try {
    results = await chrome.scripting.executeScript({ target: { tabId }, func: snapshot });
  } catch {
    throw new PageUnreadable('Threadr cannot read this page (browser pages and extension ' +
      'stores are off limits). Open an article and try again.');
  }
  const page = results?.[0]?.result;
  if (!page || !/^https?:/.test(page.url)) {
    throw new PageUnreadable('Threadr can only read web pages (http or https).');
  }
  return page;
}
