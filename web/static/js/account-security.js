// Account page sections for the address, password, sessions, your data and the security log.
import { addAccountSection, el } from './account-page.js';
import { session } from './api.js';
import { download } from './thread-view.js';

function status() { return el('p', { className: 'hint', role: 'status' }); }

function form(id, fields, submitText) {
  const f = el('form', { id, className: 'inline-form' });
  for (const [name, label, type, autocomplete] of fields) {
    f.append(el('label', { htmlFor: `${id}-${name}`, textContent: label }),
      el('input', { id: `${id}-${name}`, name, type, autocomplete, required: true }));
  }
  f.append(el('button', { type: 'submit', className: 'primary', textContent: submitText }));
  return f;
}

function onSubmit(f, out, action) {
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = Object.fromEntries(new FormData(f).entries());
    try { out.textContent = await action(values); f.reset(); } catch (err) { out.textContent = err.message; }
  });
}

addAccountSection('Email address', async (api, box) => {
  const me = await api('GET', '/api/v1/me');
  const out = status();
  box.append(el('p', { id: 'account-email', textContent: me.email || '(none)' }));
  if (me.email && !me.email_verified) {
    const resend = el('button', { id: 'verify-resend', type: 'button', textContent: 'Send the link again' });
    resend.addEventListener('click', async () => {
      try { out.textContent = (await api('POST', '/api/v1/auth/verify/resend')).message; } catch (err) { out.textContent = err.message; }
    });
    box.append(el('p', { id: 'verify-banner', className: 'error',
      textContent: 'Please confirm your address with the link we mailed you. Until then you have the free allowance of your network. ' }, resend));
  }
  const change = form('email-form', [['email', 'New address', 'email', 'email'], ['password', 'Your password', 'password', 'current-password']], 'Change address');
  onSubmit(change, out, async (v) => (await api('POST', '/api/v1/me/email', v)).message);
  box.append(change, out);
});

addAccountSection('Password', async (api, box) => {
  const out = status();
  const change = form('password-form', [['current_password', 'Current password', 'password', 'current-password'], ['new_password', 'New password', 'password', 'new-password']], 'Change password');
  onSubmit(change, out, async (v) => {
    const result = await api('POST', '/api/v1/me/password', v);
    session.save(result.token, result.user);
    return 'Password changed. Your other sessions were signed out.';
  });
  box.append(change, out);
});

addAccountSection('Sessions', async (api, box) => {
  const everywhere = el('button', { id: 'sign-out-everywhere', type: 'button', textContent: 'Sign out everywhere' });
  everywhere.addEventListener('click', async () => {
    await api('POST', '/api/v1/auth/sign-out-everywhere');
    session.clear();
    window.location.assign('/');
  });
  box.append(el('p', { className: 'hint', textContent: 'Ends every session and revokes every extension token, this one included.' }), everywhere);
});

addAccountSection('Your data', async (api, box) => {
  const out = status();
  const exportButton = el('button', { id: 'export-data', type: 'button', textContent: 'Download my data' });
  exportButton.addEventListener('click', async () => {
    const data = await api('GET', '/api/v1/me/export');
    download('threadr-export.json', JSON.stringify(data, null, 2), 'application/json');
  });
  const del = form('delete-form', [['password', 'Your password', 'password', 'current-password']], 'Delete my account');
  del.querySelector('button').className = 'danger';
  del.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!window.confirm('Delete your account and everything in it? This cannot be undone.')) return;
    try {
      await api('DELETE', '/api/v1/me', { password: new FormData(del).get('password') });
      session.clear();
      window.location.assign('/');
    } catch (err) { out.textContent = err.message; }
  });
  box.append(exportButton, el('p', { className: 'hint', textContent: 'Deleting removes your account, threads, tokens and links at once. Payment records are kept without your name.' }), del, out);
});

addAccountSection('Security log', async (api, box) => {
  const { entries } = await api('GET', '/api/v1/me/audit?limit=20');
  const list = el('ul', { id: 'audit-list', className: 'plain' });
  for (const entry of entries) {
    list.append(el('li', { textContent: `${new Date(entry.at).toLocaleString()} · ${entry.action.replaceAll('_', ' ')}${entry.ip ? ` · ${entry.ip}` : ''}` }));
  }
  if (!entries.length) list.append(el('li', { textContent: 'Nothing yet.' }));
  box.append(list);
});
