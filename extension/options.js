// The options page: the Threadr server and the default thread options, in chrome.storage.local.
import { loadState, normaliseServerUrl } from './api.js';

const $ = (id) => document.getElementById(id);
const FIELDS = ['mode', 'numbering', 'numbering_position', 'link'];

async function show() {
  const s = await loadState();
  $('server').value = s.serverUrl;
  for (const name of FIELDS) $(name).value = s.defaults[name];
  $('max_posts').value = s.defaults.max_posts ?? '';
}

async function save(event) {
  event.preventDefault();
  const serverUrl = normaliseServerUrl($('server').value);
  if (!serverUrl) {
    $('saved').textContent = 'Enter a server address starting with http:// or https://.';
    $('server').setAttribute('aria-invalid', 'true');
    return;
  }
  $('server').removeAttribute('aria-invalid');
  const max = Number($('max_posts').value);
  const defaults = Object.fromEntries(FIELDS.map((name) => [name, $(name).value]));
  defaults.max_posts = Number.isInteger(max) && max >= 1 && max <= 25 ? max : null;
  const before = await loadState();
  if (before.serverUrl !== serverUrl) {
    // The token belongs to the old server.
    await chrome.storage.local.remove(['token', 'tokenId', 'email']);
  }
  await chrome.storage.local.set({ serverUrl, defaults });
  $('server').value = serverUrl;
  $('saved').textContent = 'Saved.';
}

$('options-form').addEventListener('submit', save);
show();
