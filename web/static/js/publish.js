// Publishing: connected accounts on the account page, and "Publish…" for a saved thread
// (a destination, now or at a time, then each post's progress with a link to it).
import { api } from './api.js';
import { addAccountSection } from './account-page.js';

const NAMES = { x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon' };

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function field(id, label, props = {}) {
  return [el('label', { htmlFor: id, textContent: label }), el('input', { id, ...props })];
}

addAccountSection('Publishing destinations', async (call, box) => {
  const list = el('ul', { id: 'destinations-list', className: 'plain' });
  const status = el('p', { id: 'destinations-status', className: 'hint', role: 'status' });
  async function load() {
    const { destinations } = await call('GET', '/api/v1/destinations');
    list.replaceChildren(...destinations.map((d) => {
      const remove = el('button', { type: 'button', textContent: 'Remove' });
      remove.setAttribute('aria-label', `Remove ${NAMES[d.platform]} ${d.handle}`);
      remove.addEventListener('click', async () => {
        await call('DELETE', `/api/v1/destinations/${encodeURIComponent(d.id)}`);
        status.textContent = `${NAMES[d.platform]} account removed.`;
        await load();
      });
      return el('li', {}, `${NAMES[d.platform]}: @${d.handle} `, remove);
    }));
    if (!destinations.length) list.append(el('li', { textContent: 'No account connected yet.' }));
  }
  const connectX = el('button', { type: 'button', id: 'connect-x', textContent: 'Connect X' });
  connectX.addEventListener('click', async () => {
    try { window.location.assign((await call('POST', '/api/v1/destinations/x')).authorize_url); }
    catch (err) { status.textContent = err.message; }
  });
  const bsky = el('form', { id: 'connect-bluesky', className: 'inline-form' },
    ...field('bsky-handle', 'Bluesky handle', { placeholder: 'you.bsky.social', required: true }),
    ...field('bsky-password', 'App password', { type: 'password', required: true }),
    el('button', { type: 'submit', textContent: 'Connect Bluesky' }));
  bsky.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const d = await call('POST', '/api/v1/destinations/bluesky', {
        handle: bsky.querySelector('#bsky-handle').value, app_password: bsky.querySelector('#bsky-password').value });
      status.textContent = `Connected Bluesky @${d.handle}.`;
      bsky.reset();
      await load();
    } catch (err) { status.textContent = err.message; }
  });
  const masto = el('form', { id: 'connect-mastodon', className: 'inline-form' },
    ...field('masto-instance', 'Mastodon server', { placeholder: 'https://mastodon.social', required: true }),
    el('button', { type: 'submit', textContent: 'Connect Mastodon' }));
  masto.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const { authorize_url: url } = await call('POST', '/api/v1/destinations/mastodon',
        { instance: masto.querySelector('#masto-instance').value });
      window.location.assign(url);
    } catch (err) { status.textContent = err.message; }
  });
  if (new URLSearchParams(window.location.search).has('connected')) status.textContent = 'Account connected.';
  box.append(list, connectX, bsky, masto, status);
  await load();
});

function renderProgress($, pub) {
  $('publish-status').textContent = pub.status === 'failed' ? `Failed: ${pub.error}`
    : pub.status === 'scheduled' ? `Scheduled for ${new Date(pub.run_at).toLocaleString()}.`
      : pub.status === 'published' ? 'Published.' : `Publishing… ${pub.posts.filter((p) => p.url).length}/${pub.posts.length}`;
  $('publish-progress').replaceChildren(...pub.posts.map((p) => el('li', {},
    p.url ? el('a', { href: p.url, target: '_blank', rel: 'noopener', textContent: `Post ${p.index + 1} ✓` })
      : `Post ${p.index + 1} …`)));
}

async function follow($, id) {
  for (;;) {
    const pub = await api('GET', `/api/v1/publications/${encodeURIComponent(id)}`);
    renderProgress($, pub);
    const due = pub.status === 'scheduled' && new Date(pub.run_at) <= new Date();
    if (pub.status !== 'publishing' && !due) return;
    await new Promise((r) => { setTimeout(r, 1000); });
  }
}

export function wirePublish($, threadId, showError) {
  $('publish-open').addEventListener('click', async () => {
    const panel = $('publish-panel');
    panel.hidden = !panel.hidden;
    if (panel.hidden) return;
    const { destinations } = await api('GET', '/api/v1/destinations');
    $('publish-destination').replaceChildren(...destinations.map((d) =>
      el('option', { value: d.id, textContent: `${NAMES[d.platform]} @${d.handle}` })));
    $('publish-go').disabled = !destinations.length;
    $('publish-status').textContent = destinations.length ? '' : 'Connect an account on the Account page first.';
  });
  $('publish-go').addEventListener('click', async () => {
    const body = { destination_id: $('publish-destination').value };
    const when = document.querySelector('input[name="publish-when"]:checked').value;
    if (when === 'at' && $('publish-at').value) body.at = new Date($('publish-at').value).toISOString();
    try {
      const pub = await api('POST', `/api/v1/threads/${encodeURIComponent(threadId())}/publish`, body);
      await follow($, pub.id);
    } catch (err) { showError(err); }
  });
}
