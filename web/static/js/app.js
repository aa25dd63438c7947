// The Threadr page: paste → generate (streamed) → edit (shared editor), copy, post, download,
// save; history; the account page (/#account).
import { showAccountPage } from './account-page.js';
import './account-security.js';
import { api, ApiError, session, streamThread } from './api.js';
import { resetPhrase, shortTitle } from './draft.js';
import { startMailLinks } from './mail-links.js';
import { asMarkdown, asText, download } from './thread-view.js';
import { wirePublish } from './publish.js';
import { Workspace } from './workspace.js';

const $ = (id) => document.getElementById(id);
const URL_LIKE = /^(https?:\/\/)?[^\s/$.?#]+\.[^\s]{2,}$/i;
const state = { config: { billing: false }, controller: null, historyBefore: null };
const work = new Workspace($, { say, showError, onChange: refreshActions });

function say(message) { $('status').textContent = message; }

function showError(err) {
  const box = $('error');
  box.replaceChildren();
  if (!err) { box.hidden = true; return; }
  box.append(describe(err));
  if (err.code === 'quota_exceeded' && state.config.billing) {
    const link = document.createElement('a');
    link.href = err.details.upgrade_url || '#upgrade';
    link.textContent = 'Upgrade to premium';
    link.addEventListener('click', (e) => { e.preventDefault(); upgrade(); }); // upgrade_url is this page
    box.append(' ', link);
  }
  box.hidden = false;
}

export function describe(err) {
  if (!(err instanceof ApiError)) return err?.message || 'Could not reach Threadr. Check your connection and retry.';
  if (err.code === 'quota_exceeded') {
    const when = resetPhrase(err.details.resets_at);
    return `${err.message}${when ? ` It resets ${when}.` : ''}`;
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
    platform: $('platform').value,
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
  const before = work.beforeGenerate();  // a failure gives it back; success keeps it one click away
  const wasHidden = $('result').hidden;
  $('generate').disabled = true;
  say('Generating…');
  let count = 0;
  try {
    const thread = await streamThread(request, {
      meta: (source) => { $('result-source').textContent = source.title ? `From: ${source.title}` : ''; },
      post: ({ index, text }) => {
        work.streamed(index, text, count === 0);
        $('result').hidden = false;
        count += 1;
        say(`Post ${count} ready…`);
      },
    }, state.controller.signal);
    work.generated(thread, before);
    showWarnings(thread.warnings);
    $('result').hidden = false;
    $('restore-previous').textContent = 'Restore previous';
    say(`Thread ready: ${thread.posts.length} posts${thread.cached ? ' (from cache)' : ''}.`);
    refreshUsage();
    if (session.token) loadHistory(true);
  } catch (err) {
    if (count) work.failed(before);
    if (err.name !== 'AbortError') { showError(err); say(before ? 'Your thread is unchanged.' : ''); }
    $('result').hidden = wasHidden && !before;
  } finally {
    $('generate').disabled = false;
  }
}

function refreshActions() {
  const over = work.editor.overLimit();
  const save = $('save');
  save.hidden = !(session.token && work.meta?.id);
  save.disabled = over;
  save.title = over ? 'A post is over 280 characters' : '';
  $('publish-open').hidden = !(session.token && work.meta?.id);
}

async function postOnX() {
  const [first, ...rest] = work.texts;
  if (first === undefined) return;
  window.open(`https://x.com/intent/post?text=${encodeURIComponent(first)}`, '_blank', 'noopener');
  if (rest.length) {
    await work.copy(asText(rest), `Post 1 opened on X; posts 2–${rest.length + 1} copied for your replies.`);
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
  const title = shortTitle(thread.source?.title || thread.posts[0]?.text || 'Thread');
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = thread.edited_at ? 'Draft (edited)' : 'Generated';
  const time = document.createElement('time');
  const when = thread.edited_at || thread.created_at;
  time.dateTime = when || '';
  time.textContent = when ? new Date(when).toLocaleString() : '';
  button.append(title, ' ', kind, time);
  button.addEventListener('click', async () => {
    let fresh = thread;
    try { fresh = await api('GET', `/api/v1/threads/${encodeURIComponent(thread.id)}`); } catch { /* list copy */ }
    work.show(fresh);
    showWarnings(fresh.warnings);
    $('result').hidden = false;
    $('result-source').textContent = fresh.source?.title ? `From: ${fresh.source.title}` : '';
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
  $('account-link').hidden = !user;
  $('upgrade').hidden = !state.config.billing;
  if (!user) $('history').hidden = true;
  refreshActions();
  route();
}

function route() {
  const onAccount = window.location.hash === '#account' && Boolean(session.token);
  $('account-page').hidden = !onAccount;
  $('generate-form').hidden = onAccount;
  if (onAccount) {
    $('result').hidden = true;
    $('history').hidden = true;
    showAccountPage($('account-sections'), api);
  } else {
    $('result').hidden = !work.editor.bodies.length;
    if (session.token) loadHistory(true);
  }
}

async function authenticate(kind) {
  const email = $('auth-email').value.trim();
  const password = $('auth-password').value;
  $('auth-error').hidden = true;
  try {
    // Registration answers the same for every address (no enumeration): then sign in.
    if (kind === 'register') await api('POST', '/api/v1/auth/register', { email, password });
    const result = await api('POST', '/api/v1/auth/login', { email, password });
    session.save(result.token, result.user);
    $('auth-dialog').close();
    renderAccount();
    refreshUsage();
    say(kind === 'register'
      ? 'Account created. You are signed in; open the link we mailed you to confirm your address.'
      : 'Signed in.');
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
  work.wire();
  $('generate-form').addEventListener('submit', generate);
  $('source').addEventListener('input', updateDetected);
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener('change', updateDetected);
  $('summarize-instead').addEventListener('click', summarizeInstead);
  $('copy-all').addEventListener('click', () => work.copy(asText(work.texts), 'All posts copied.'));
  $('post-x').addEventListener('click', postOnX);
  $('download-txt').addEventListener('click', () => download('thread.txt', `${asText(work.texts)}\n`, 'text/plain'));
  $('download-md').addEventListener('click', () => download('thread.md', asMarkdown(work.texts, work.meta?.source), 'text/markdown'));
  $('signin').addEventListener('click', () => { $('auth-error').hidden = true; $('auth-dialog').showModal(); });
  $('signout').addEventListener('click', async () => {
    await api('POST', '/api/v1/auth/sign-out').catch(() => {}); // ends the session server-side
    session.clear(); renderAccount(); refreshUsage(); say('Signed out.');
  });
  $('auth-cancel').addEventListener('click', () => $('auth-dialog').close());
  $('auth-form').addEventListener('submit', (e) => { e.preventDefault(); authenticate(e.submitter?.value === 'register' ? 'register' : 'login'); });
  $('history-more').addEventListener('click', () => loadHistory(false));
  $('upgrade').addEventListener('click', upgrade);
  wirePublish($, () => work.meta?.id, showError);
  window.addEventListener('hashchange', route);
}

async function start() {
  wire();
  if (work.resumeDraft()) say('Your draft was restored.');
  startMailLinks({ say, showError: (err) => showError(err), signedIn: () => { renderAccount(); refreshUsage(); route(); } });
  try { state.config = await api('GET', '/api/v1/config'); } catch { /* defaults: billing off */ }
  renderAccount();
  refreshUsage();
  if (window.location.hash === '#upgrade' && state.config.billing) {
    // The quota errors' upgrade_url (web, bots) lands here: start the upgrade, once.
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    upgrade();
  }
  document.body.dataset.ready = 'true';
}

start();
