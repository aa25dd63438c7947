// The account page (/#account): sections others add to with `addAccountSection(render)`.
// A section is `async (api, container) => void`; it fills its own <section>.
const sections = [];

export function addAccountSection(title, render) { sections.push({ title, render }); }

export async function showAccountPage(root, api) {
  root.replaceChildren();
  for (const { title, render } of sections) {
    const box = document.createElement('section');
    box.className = 'account-section';
    const h = document.createElement('h3');
    h.textContent = title;
    box.append(h);
    root.append(box);
    try { await render(api, box); } catch (err) {
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = err.message || 'Could not load this section.';
      box.append(p);
    }
  }
}

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

addAccountSection('Plan', async (api, box) => {
  const usage = await api('GET', '/api/v1/usage');
  const plan = usage.plan === 'premium' ? 'Premium' : 'Free plan';
  const until = usage.premium_until ? ` until ${new Date(usage.premium_until).toLocaleDateString()}` : '';
  box.append(el('p', { id: 'account-plan', textContent:
    `${plan}${until}: ${usage.used} of ${usage.limit} threads used today, ${usage.remaining} left.` }));
});

addAccountSection('Linked chat accounts', async (api, box) => {
  const list = el('ul', { id: 'links-list', className: 'plain' });
  const status = el('p', { className: 'hint', role: 'status' });
  async function load() {
    const { links } = await api('GET', '/api/v1/links');
    list.replaceChildren(...links.map((link) => {
      const unlink = el('button', { type: 'button', textContent: 'Unlink' });
      unlink.setAttribute('aria-label', `Unlink ${link.platform}`);
      unlink.addEventListener('click', async () => {
        await api('DELETE', `/api/v1/links/${encodeURIComponent(link.platform)}`);
        status.textContent = `${cap(link.platform)} unlinked.`;
        await load();
      });
      return el('li', {}, `${cap(link.platform)} (${link.identity}) `, unlink);
    }));
    if (!links.length) list.append(el('li', { textContent: 'None yet.' }));
  }
  const input = el('input', { id: 'link-code', autocomplete: 'off', placeholder: 'ABCD2345',
    maxLength: 32, spellcheck: false });
  const form = el('form', { id: 'link-form', className: 'inline-form' },
    el('label', { htmlFor: 'link-code', textContent: 'Code from /link in Telegram or Discord' }), input,
    el('button', { type: 'submit', className: 'primary', textContent: 'Link' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const linked = await api('POST', '/api/v1/links', { code: input.value });
      input.value = '';
      status.textContent = `Linked your ${cap(linked.platform)} account: quota and premium are now shared.`;
      await load();
    } catch (err) { status.textContent = err.message; }
  });
  box.append(list, form, status);
  await load();
});

addAccountSection('Browser extension tokens', async (api, box) => {
  const list = el('ul', { id: 'tokens-list', className: 'plain' });
  const { tokens } = await api('GET', '/api/v1/tokens');
  for (const token of tokens) {
    const revoke = el('button', { type: 'button', textContent: 'Revoke' });
    revoke.setAttribute('aria-label', `Revoke ${token.name}`);
    const item = el('li', {}, `${token.name} · since ${new Date(token.created_at).toLocaleDateString()} `, revoke);
    revoke.addEventListener('click', async () => {
      await api('DELETE', `/api/v1/tokens/${encodeURIComponent(token.id)}`);
      item.remove();
    });
    list.append(item);
  }
  if (!tokens.length) list.append(el('li', { textContent: 'No extension is signed in.' }));
  box.append(list);
});

function cap(word) { return word.charAt(0).toUpperCase() + word.slice(1); }
