// The popup: read the page (or the selection) → stream a thread → edit, copy, post on X.
import { ApiError, Client, loadState } from './api.js';
import { explain } from './messages.js';
import { PageUnreadable, readPage, targetTabId } from './page.js';
import { PostList } from './posts.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { client: null, account: null, busy: false, defaults: {} };
const view = new PostList($('posts'), refreshActions, copy);

function say(message) { $('status').textContent = message; }

function showError(err) {
  const box = $('error');
  box.replaceChildren();
  if (!err) { box.hidden = true; return; }
  const { text, link } = explain(err, { signedIn: Boolean(state.account) });
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

function options(hasText) {
  const mode = $('mode').value === 'auto' ? (hasText ? 'split' : 'summarize') : $('mode').value;
  const body = { mode, numbering: $('numbering').value, link: $('link').value,
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
  view.clear();
  refreshActions();
  say('Writing your thread…');
  const body = source.text ? { text: source.text, url: source.url } : { html: source.html, url: source.url };
  Object.assign(body, options(Boolean(source.text)));
  try {
    const thread = await state.client.streamThread(body, {
      meta: (s) => say(`Writing a thread from “${s?.title || source.title || source.url}”…`),
      post: (p) => { view.set(p.index, p.text); refreshActions(); },
    });
    view.showAll(thread.posts.map((p) => p.text));
    say(`Thread ready: ${thread.posts.length} posts.`);
    await showUsage();
  } catch (err) {
    say('');
    if (err instanceof ApiError && err.status === 401 && state.account) await forget();
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

function describeUsage(u) {
  const left = `${u.remaining} of ${u.limit} threads left today`;
  if (u.plan === 'premium') {
    const until = u.premium_until ? ` until ${new Date(u.premium_until).toLocaleDateString()}` : '';
    return `${left} · Premium${until}`;
  }
  return `${left} · Free plan${state.account ? '' : ' (not signed in)'}`;
}

async function showUsage() {
  try {
    $('usage').textContent = describeUsage(await state.client.request('GET', '/api/v1/usage'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && state.account) {
      await forget();
      return showUsage();
    }
    $('usage').textContent = err instanceof ApiError && err.code === 'unreachable'
      ? `Threadr server unreachable (${state.client.serverUrl}).` : '';
  }
}

function showAccount() {
  $('who').textContent = state.account ? state.account.email : '';
  $('signin').hidden = Boolean(state.account);
  $('signout').hidden = !state.account;
}

async function forget() {
  await chrome.storage.local.remove(['token', 'tokenId', 'email']);
  state.account = null;
  state.client.token = null;
  showAccount();
}

async function signIn(event) {
  event.preventDefault();
  showError(null);
  $('signin-submit').disabled = true;
  try {
    const got = await state.client.signIn($('email').value.trim(), $('password').value);
    await chrome.storage.local.set(got);
    state.account = { email: got.email, tokenId: got.tokenId };
    state.client.token = got.token;
    $('password').value = '';
    $('signin-form').hidden = true;
    showAccount();
    say(`Signed in as ${got.email}.`);
    await showUsage();
  } catch (err) {
    showError(err);
  } finally {
    $('signin-submit').disabled = false;
  }
}

async function signOut() {
  showError(null);
  try {
    await state.client.request('DELETE', `/api/v1/tokens/${encodeURIComponent(state.account.tokenId)}`);
    say('Signed out.');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) {
      say('Signed out here; the server could not be told, so revoke the token from the web page.');
    }
  }
  await forget();
  await showUsage();
}

function applyDefaults(defaults) {
  for (const name of ['mode', 'numbering', 'link']) $(name).value = defaults[name];
  $('max_posts').value = defaults.max_posts ?? '';
}

async function start() {
  const s = await loadState();
  state.client = new Client(s.serverUrl, s.token);
  state.account = s.token ? { email: s.email, tokenId: s.tokenId } : null;
  state.defaults = s.defaults;
  applyDefaults(s.defaults);
  showAccount();
  $('thread-page').addEventListener('click', threadFromPage);
  $('copy-all').addEventListener('click', () => copy(view.texts().join('\n\n'), 'All posts copied.'));
  $('signin').addEventListener('click', () => { $('signin-form').hidden = false; $('email').focus(); });
  $('signin-cancel').addEventListener('click', () => { $('signin-form').hidden = true; });
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('open-options').addEventListener('click', (e) => { e.preventDefault(); chrome.runtime.openOptionsPage(); });
  const usage = showUsage();
  const pending = await takePending();
  if (pending) {
    $('source').textContent = `From your selection (${pending.text.length} characters)`;
    await makeThread(pending);
  }
  await usage;
  document.body.dataset.ready = 'true';
}

start();
