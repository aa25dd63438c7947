// The popup: read the page (or the selection) → stream a thread → edit, copy, post on X.
import { AccountPanel } from './account.js';
import { ApiError, Client, loadState } from './api.js';
import { explain } from './messages.js';
import { PublishPanel } from './publish.js';
import { apiUrl, PageUnreadable, readPage, targetTabId } from './page.js';
import { loadDraft, saveDraft } from './vendor/draft.js';
import { ThreadEditor } from './vendor/editor.js';
import { renderPreview } from './vendor/preview.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { client: null, account: null, busy: false, defaults: {}, last: null };  // account: AccountPanel
const view = new ThreadEditor($('posts'), {  // the page's editor, vendored by the build
  onChange: changed,
  onCopy: copy,
  fit: async (text, index, total, style) => {
    try {
      const result = await state.client.request('POST', '/api/v1/posts/fit', {
        text, total, numbering: style.numbering, numbering_position: style.position });
      say(`Split into ${result.posts.length} posts that fit.`);
      return result.posts;
    } catch (err) { showError(err); return null; }
  },
});
function changed() {
  refreshActions();
  if (view.bodies.length && !view.streaming) {  // at once: the popup may close any moment
    saveDraft(localStorage, { bodies: view.bodies, style: view.style });
  }
  if (!$('preview').hidden) renderPreview($('preview'), view.texts());
}

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
  $('editor-bar').hidden = texts.length === 0;
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
    numbering_position: state.defaults.numbering_position || 'suffix', tone: $('tone').value,
    hashtags: Number($('hashtags').value), emoji: $('emoji').checked };
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
  const before = view.bodies.length ? view.snapshot() : null;  // a failure gives it back
  let first = true;
  say('Writing your thread…');
  const url = apiUrl(source.url);
  const body = source.text ? { text: source.text, url } : { html: source.html, url };
  Object.assign(body, options());
  try {
    const thread = await state.client.streamThread(body, {
      meta: (s) => say(`Writing a thread from “${s?.title || source.title || source.url}”…`),
      post: (p) => {
        if (first) { view.clear(); first = false; }
        view.stream(p.index, p.text);
        refreshActions();
      },
    });
    view.load(thread.posts.map((p) => p.text), thread.options);
    showStyle();
    changed();
    showWarnings(thread.warnings);
    say(`Thread ready: ${thread.posts.length} posts.`);
    await state.publish.show(thread.id).catch(() => {});
    await state.account.showUsage();
  } catch (err) {
    say(before ? 'Your thread is unchanged.' : '');
    if (before && !first) view.restore(before); else if (!before) view.clear();
    refreshActions();
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

function showStyle() {
  $('edit-numbering').value = view.style.numbering;
  $('edit-position').value = view.style.position;
}

function restyle() {
  view.setStyle($('edit-numbering').value, $('edit-position').value);
  $('numbering').value = $('edit-numbering').value;
}

function togglePreview() {
  const box = $('preview');
  box.hidden = !box.hidden;
  $('preview-toggle').setAttribute('aria-expanded', String(!box.hidden));
  $('preview-toggle').textContent = box.hidden ? 'Preview' : 'Hide preview';
  if (!box.hidden) renderPreview(box, view.texts());
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
  state.publish = new PublishPanel($, state.client, { say, showError });
  state.publish.bind(() => view.texts());
  $('thread-page').addEventListener('click', threadFromPage);
  $('summarize-instead').addEventListener('click', () => {
    document.querySelector('input[name="mode"][value="summarize"]').checked = true;
    if (state.last) makeThread(state.last);
  });
  $('copy-all').addEventListener('click', () => copy(view.texts().join('\n\n'), 'All posts copied.'));
  $('edit-numbering').addEventListener('change', restyle);
  $('edit-position').addEventListener('change', restyle);
  $('preview-toggle').addEventListener('click', togglePreview);
  $('open-options').addEventListener('click', (e) => { e.preventDefault(); chrome.runtime.openOptionsPage(); });
  const usage = state.account.showUsage();
  const pending = await takePending();
  if (pending) {
    $('source').textContent = `From your selection (${pending.text.length} characters)`;
    await makeThread(pending);
  } else {
    const draft = loadDraft(localStorage);  // the thread being edited when the popup closed
    if (draft) {
      view.restore({ bodies: draft.bodies, style: draft.style });
      showStyle();
      refreshActions();
      say('Your draft was restored.');
    }
  }
  await usage;
  document.body.dataset.ready = 'true';
}

start();
