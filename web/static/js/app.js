// The Threadr page: paste → generate (streamed) → edit, copy, post, download, save; history.
import { api, ApiError, session, streamThread } from './api.js';
import { asMarkdown, asText, download, ThreadView } from './thread-view.js';

const $ = (id) => document.getElementById(id);
const URL_LIKE = /^(https?:\/\/)?[^\s/$.?#]+\.[^\s]{2,}$/i;
const state = { config: { billing: false }, controller: null, historyBefore: null };

const view = new ThreadView($('posts'), refreshActions);
view.onCopied = (message) => say(message);

function say(message) { $('status').textContent = message; }

function showError(err) {
  const box = $('error');
  box.replaceChildren();
  if (!err) { box.hidden = true; return; }
  box.append(describe(err));
  if (err.code === 'quota_exceeded' && state.config.billing) {
    const link = document.createElement('a');
    link.href = err.details.upgrade_url || '#';
    link.textContent = 'Upgrade to premium';
    link.addEventListener('click', (e) => { e.preventDefault(); upgrade(); }); // upgrade_url is this page
    box.append(' ', link);
  }
  box.hidden = false;
}

function describe(err) {
  if (!(err instanceof ApiError)) return 'Could not reach Threadr. Check your connection and retry.';
  if (err.code === 'quota_exceeded') {
    const at = err.details.resets_at ? new Date(err.details.resets_at) : null;
    const when = at && !Number.isNaN(at.getTime())
      ? ` It resets at ${at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.` : '';
    return `${err.message}${when}`;
  }
  if (err.code === 'rate_limited' && err.retryAfter) {
    return `${err.message} Try again in ${err.retryAfter} s.`;
  }
  if (err.code === 'paywalled') {
    return `${err.message} (Install the Threadr browser extension and click it on the article.)`;
  }
  return err.message;
}

function detect(value) {
  const v = value.trim();
  if (!v) return null;
  if (!/\s/.test(v) && URL_LIKE.test(v)) return { url: /^https?:\/\//i.test(v) ? v : `https://${v}` };
  return { text: v };
}

/** The mode the person chose: summarize (the default, whatever the input) or split. */
function chosenMode() {
  return document.querySelector('input[name="mode"]:checked')?.value || 'summarize';
}

function updateDetected() {
  const found = detect($('source').value);
  const split = chosenMode() === 'split';
  $('detected').textContent = !found ? 'Paste a link or some text.'
    : found.url ? `Link detected: Threadr will fetch ${found.url} and ${split ? 'split it into posts' : 'summarize it'}.`
      : `Text detected: Threadr will ${split ? 'split it into posts, every word kept' : 'summarize it into a thread'}.`;
}

function showWarnings(warnings) {
  const list = warnings || [];
  $('warnings-text').textContent = list.map((w) => w.message).join(' ');
  $('summarize-instead').hidden = !list.some((w) => w.code === 'long_split');
  $('warnings').hidden = list.length === 0;
}

function summarizeInstead() {
  document.querySelector('input[name="mode"][value="summarize"]').checked = true;
  updateDetected();
  $('generate-form').requestSubmit();
}

function buildRequest() {
  const found = detect($('source').value);
  if (!found) return null;
  const mode = chosenMode();
  const request = {
    ...found, mode,
    numbering: $('numbering').value,
    numbering_position: $('numbering_position').value,
    link: $('link').value,
    tone: $('tone').value,
    hashtags: Number($('hashtags').value),
    emoji: $('emoji').checked,
  };
  const max = $('max_posts').value.trim();
  if (max) request.max_posts = Number(max);
  return request;
}

async function generate(event) {
  event.preventDefault();
  const request = buildRequest();
  if (!request) { showError(new ApiError(0, { error: { message: 'Paste a link or some text first.' } })); $('source').focus(); return; }
  state.controller?.abort();
  state.controller = new AbortController();
  showError(null);
  showWarnings(null);
  view.clear();
  $('result').hidden = false;
  $('result-source').textContent = '';
  $('generate').disabled = true;
  say('Generating…');
  let count = 0;
  try {
    const thread = await streamThread(request, {
      meta: (source) => { $('result-source').textContent = source.title ? `From: ${source.title}` : ''; },
      post: ({ index, text }) => { view.setPost(index, text); count += 1; say(`Post ${count} ready…`); },
    }, state.controller.signal);
    view.show(thread);
    showWarnings(thread.warnings);
    say(`Thread ready: ${thread.posts.length} posts${thread.cached ? ' (from cache)' : ''}.`);
    refreshUsage();
    if (session.token) loadHistory(true);
  } catch (err) {
    if (err.name !== 'AbortError') { showError(err); say(''); }
    if (!view.list.children.length) $('result').hidden = true;
  } finally {
    $('generate').disabled = false;
  }
}

function refreshActions() {
  const over = view.overLimit();
  const save = $('save');
  save.hidden = !(session.token && view.thread?.id);
  save.disabled = over;
  save.title = over ? 'A post is over 280 characters' : '';
}

async function saveEdits() {
  if (view.overLimit()) { say('A post is over 280 characters: shorten it before saving.'); return; }
  try {
    const thread = await api('PATCH', `/api/v1/threads/${encodeURIComponent(view.thread.id)}`, { posts: view.texts() });
    view.show(thread);
    say('Edits saved.');
    loadHistory(true);
  } catch (err) { showError(err); }
}

async function postOnX() {
  const [first, ...rest] = view.texts();
  if (first === undefined) return;
  window.open(`https://x.com/intent/post?text=${encodeURIComponent(first)}`, '_blank', 'noopener');
  if (rest.length) {
    await view.copy(asText(rest), `Post 1 opened on X; posts 2–${rest.length + 1} copied for your replies.`);
  }
}

async function refreshUsage() {
  try {
    const usage = await api('GET', '/api/v1/usage');
    $('usage').textContent = usage.plan === 'premium'
      ? `Premium · ${usage.remaining} left today` : `${usage.remaining} left today`;
  } catch { $('usage').textContent = ''; }
}

async function loadHistory(reset) {
  if (!session.token) { $('history').hidden = true; return; }
  if (reset) { state.historyBefore = null; $('history-list').replaceChildren(); }
  const query = state.historyBefore ? `&before=${encodeURIComponent(state.historyBefore)}` : '';
  try {
    const page = await api('GET', `/api/v1/threads?limit=20${query}`);
    for (const thread of page.threads) $('history-list').append(historyItem(thread));
    state.historyBefore = page.next_before;
    $('history-more').hidden = !page.next_before;
    $('history').hidden = !$('history-list').children.length;
  } catch (err) { if (err.status === 401) renderAccount(); }
}

function historyItem(thread) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  const title = thread.source?.title || thread.posts[0]?.text.slice(0, 80) || 'Thread';
  const time = document.createElement('time');
  time.dateTime = thread.created_at || '';
  time.textContent = thread.created_at ? new Date(thread.created_at).toLocaleString() : '';
  button.append(title, time);
  button.addEventListener('click', () => {
    view.clear(); view.show(thread); showWarnings(thread.warnings);
    $('result').hidden = false;
    $('result-source').textContent = thread.source?.title ? `From: ${thread.source.title}` : '';
    $('posts').querySelector('textarea')?.focus();
  });
  li.append(button);
  return li;
}

function renderAccount() {
  const user = session.user;
  $('who').textContent = user ? user.email || 'Signed in' : '';
  $('signin').hidden = Boolean(user);
  $('signout').hidden = !user;
  $('upgrade').hidden = !state.config.billing;
  if (!user) $('history').hidden = true;
  refreshActions();
}

async function authenticate(kind) {
  const email = $('auth-email').value.trim();
  const password = $('auth-password').value;
  $('auth-error').hidden = true;
  try {
    const result = await api('POST', `/api/v1/auth/${kind}`, { email, password });
    session.save(result.token, result.user);
    $('auth-dialog').close();
    renderAccount();
    refreshUsage();
    loadHistory(true);
    say(kind === 'register' ? 'Account created. You are signed in.' : 'Signed in.');
  } catch (err) {
    $('auth-error').textContent = describe(err);
    $('auth-error').hidden = false;
  }
}

async function upgrade() {
  if (!session.token) { $('auth-dialog').showModal(); return; }
  try {
    const checkout = await api('POST', '/api/v1/billing/checkout', {});
    if (checkout?.url) window.location.assign(checkout.url);
  } catch (err) { showError(err); }
}

function wire() {
  $('generate-form').addEventListener('submit', generate);
  $('source').addEventListener('input', updateDetected);
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener('change', updateDetected);
  $('summarize-instead').addEventListener('click', summarizeInstead);
  $('copy-all').addEventListener('click', () => view.copy(asText(view.texts()), 'All posts copied.'));
  $('post-x').addEventListener('click', postOnX);
  $('download-txt').addEventListener('click', () => download('thread.txt', `${asText(view.texts())}\n`, 'text/plain'));
  $('download-md').addEventListener('click', () => download('thread.md', asMarkdown(view.texts(), view.thread?.source), 'text/markdown'));
  $('save').addEventListener('click', saveEdits);
  $('signin').addEventListener('click', () => { $('auth-error').hidden = true; $('auth-dialog').showModal(); });
  $('signout').addEventListener('click', () => { session.clear(); renderAccount(); refreshUsage(); say('Signed out.'); });
  $('auth-cancel').addEventListener('click', () => $('auth-dialog').close());
  $('auth-form').addEventListener('submit', (e) => { e.preventDefault(); authenticate(e.submitter?.value === 'register' ? 'register' : 'login'); });
  $('history-more').addEventListener('click', () => loadHistory(false));
  $('upgrade').addEventListener('click', upgrade);
}

async function start() {
  wire();
  try { state.config = await api('GET', '/api/v1/config'); } catch { /* defaults: billing off */ }
  renderAccount();
  refreshUsage();
  loadHistory(true);
  if (window.location.hash === '#upgrade' && state.config.billing) {
    // The quota errors' upgrade_url (web, bots) lands here: start the upgrade, once.
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    upgrade();
  }
}

start();
