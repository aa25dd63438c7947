// The popup: read the page (or the selection) → stream a thread → edit, copy, post on X.
import { AccountPanel } from './account.js';
import { ApiError, Client, loadState } from './api.js';
import { explain } from './messages.js';
import { apiUrl, PageUnreadable, readPage, targetTabId } from './page.js';
import { PostList } from './posts.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { client: null, account: null, busy: false, defaults: {}, last: null };  // account: AccountPanel
const view = new PostList($('posts'), refreshActions, copy);

function say(message) { $('status').textContent = message; }

function showError(err) {
  const box = $('error');
  box.replaceChildren();
  if (!err) { box.hidden = true; return; }
  const { text, link } = explain(err, { signedIn: state.account.signedIn });
  box.append(text);
  if (link) {
    const a = Object.assign(document.createElement('a'), {
      href: link.href, textContent: link.label, target: '_blank', rel: 'noopener' });
    box.append(' ', a);
  }
  box.hidden = false;
}

function refreshActions() {
  const texts = view.texts();
  $('actions').hidden = texts.length === 0;
  const first = texts[0] || '';
  $('post-x').href = `https://x.com/intent/post?text=${encodeURIComponent(first)}`;
}

async function copy(text, message) {
  try {
    await navigator.clipboard.writeText(text);
    say(message);
  } catch {
    say('Copying was blocked by the browser; select the text and copy it by hand.');
  }
}

function chosenMode() {
  return document.querySelector('input[name="mode"]:checked')?.value || 'summarize';
}

function showWarnings(warnings) {
  const list = warnings || [];
  $('warnings-text').textContent = list.map((w) => w.message).join(' ');
  $('summarize-instead').hidden = !list.some((w) => w.code === 'long_split');
  $('warnings').hidden = list.length === 0;
}

function options() {
  const body = { mode: chosenMode(), numbering: $('numbering').value, link: $('link').value,
    numbering_position: state.defaults.numbering_position || 'suffix' };
  const max = Number($('max_posts').value);
  if (Number.isInteger(max) && max >= 1) body.max_posts = max;
  return body;
}

async function makeThread(source) {
  if (state.busy) return;
  state.busy = true;
  $('thread-page').disabled = true;
  showError(null);
  showWarnings(null);
  state.last = source;
  view.clear();
  refreshActions();
  say('Writing your thread…');
  const url = apiUrl(source.url);
  const body = source.text ? { text: source.text, url } : { html: source.html, url };
  Object.assign(body, options());
  try {
    const thread = await state.client.streamThread(body, {
      meta: (s) => say(`Writing a thread from “${s?.title || source.title || source.url}”…`),
      post: (p) => { view.set(p.index, p.text); refreshActions(); },
    });
    view.showAll(thread.posts.map((p) => p.text));
    showWarnings(thread.warnings);
    say(`Thread ready: ${thread.posts.length} posts.`);
    await state.account.showUsage();
  } catch (err) {
    say('');
    if (err instanceof ApiError && err.status === 401 && state.account.signedIn) {
      await state.account.forget();
    }
    showError(err);
  } finally {
    state.busy = false;
    $('thread-page').disabled = false;
  }
}

async function threadFromPage() {
  try {
    const page = await readPage(await targetTabId(params));
    $('source').textContent = page.text
      ? `From your selection (${page.text.length} characters) on ${new URL(page.url).host}`
      : `From the page “${page.title || page.url}”`;
    await makeThread(page);
  } catch (err) {
    if (!(err instanceof PageUnreadable)) throw err;
    showError(err);
  }
}

/** A selection handed over by the context menu (see background.js), used once. */
async function takePending() {
  const { pending } = await chrome.storage.local.get('pending');
  if (!pending) return null;
  await chrome.storage.local.remove('pending');
  return Date.now() - pending.at < 5 * 60 * 1000 ? pending : null;
}

function applyDefaults(defaults) {
  for (const name of ['numbering', 'link']) $(name).value = defaults[name];
  const mode = document.querySelector(`input[name="mode"][value="${defaults.mode}"]`);
  if (mode) mode.checked = true;
  $('max_posts').value = defaults.max_posts ?? '';
}

async function start() {
  const s = await loadState();
  state.client = new Client(s.serverUrl, s.token);
  state.account = new AccountPanel(state.client, s.token ? { email: s.email, tokenId: s.tokenId } : null,
    { say, showError });
  state.defaults = s.defaults;
  applyDefaults(s.defaults);
  state.account.bind();
  $('thread-page').addEventListener('click', threadFromPage);
  $('summarize-instead').addEventListener('click', () => {
    document.querySelector('input[name="mode"][value="summarize"]').checked = true;
    if (state.last) makeThread(state.last);
  });
  $('copy-all').addEventListener('click', () => copy(view.texts().join('\n\n'), 'All posts copied.'));
  $('open-options').addEventListener('click', (e) => { e.preventDefault(); chrome.runtime.openOptionsPage(); });
  const usage = state.account.showUsage();
  const pending = await takePending();
  if (pending) {
    $('source').textContent = `From your selection (${pending.text.length} characters)`;
    await makeThread(pending);
  }
  await usage;
  document.body.dataset.ready = 'true';
}

start();
