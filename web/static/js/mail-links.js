// Links that arrive by mail (/verify?token=…, /reset?token=…) and "Forgot your password?".
import { api, ApiError, session } from './api.js';

const $ = (id) => document.getElementById(id);

function tokenFromUrl() {
  const token = new URLSearchParams(window.location.search).get('token');
  window.history.replaceState(null, '', '/'); // the token never stays in the address bar
  return token;
}

function message(err) {
  return err instanceof ApiError ? err.message : 'Could not reach Threadr. Check your connection and retry.';
}

async function verify(token, page) {
  try {
    await api('POST', '/api/v1/auth/verify', { token });
    if (session.user) session.save(session.token, { ...session.user, email_verified: true });
    page.say('Your email address is confirmed. Thank you!');
  } catch (err) { page.showError(err); }
}

function openReset(token, page) {
  const dialog = $('reset-dialog');
  $('reset-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('reset-error').hidden = true;
    try {
      const result = await api('POST', '/api/v1/auth/password-reset/confirm',
        { token, password: $('reset-password').value });
      session.save(result.token, result.user);
      dialog.close();
      page.signedIn();
      page.say('Your password is changed and you are signed in.');
    } catch (err) {
      $('reset-error').textContent = message(err);
      $('reset-error').hidden = false;
    }
  });
  $('reset-cancel').addEventListener('click', () => dialog.close());
  dialog.showModal();
}

async function forgot(page) {
  const email = $('auth-email').value.trim();
  if (!email) {
    $('auth-error').textContent = 'Enter your email address, then choose "Forgot your password?".';
    $('auth-error').hidden = false;
    return;
  }
  try {
    const answer = await api('POST', '/api/v1/auth/password-reset', { email });
    $('auth-dialog').close();
    page.say(answer.message);
  } catch (err) {
    $('auth-error').textContent = message(err);
    $('auth-error').hidden = false;
  }
}

export function startMailLinks(page) {
  $('auth-forgot').addEventListener('click', () => forgot(page));
  const path = window.location.pathname;
  if (path === '/verify') verify(tokenFromUrl(), page);
  else if (path === '/reset') openReset(tokenFromUrl(), page);
}
