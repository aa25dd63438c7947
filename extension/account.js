// The account part of the popup: sign in (email + password → an extension token kept in
// chrome.storage.local), sign out (revokes that token on the server), usage and plan.
import { ApiError } from './api.js';

const $ = (id) => document.getElementById(id);

export function describeUsage(u, signedIn) {
  const left = `${u.remaining} of ${u.limit} threads left today`;
  if (u.plan === 'premium') {
    const until = u.premium_until ? ` until ${new Date(u.premium_until).toLocaleDateString()}` : '';
    return `${left} · Premium${until}`;
  }
  return `${left} · Free plan${signedIn ? '' : ' (not signed in)'}`;
}

export class AccountPanel {
  constructor(client, account, { say, showError }) {
    this.client = client;
    this.account = account; // {email, tokenId} or null
    this.say = say;
    this.showError = showError;
  }

  get signedIn() { return Boolean(this.account); }

  bind() {
    $('signin').addEventListener('click', () => { $('signin-form').hidden = false; $('email').focus(); });
    $('signin-cancel').addEventListener('click', () => { $('signin-form').hidden = true; });
    $('signin-form').addEventListener('submit', (e) => this.signIn(e));
    $('signout').addEventListener('click', () => this.signOut());
    this.render();
  }

  render() {
    $('who').textContent = this.account ? this.account.email : '';
    $('signin').hidden = this.signedIn;
    $('signout').hidden = !this.signedIn;
  }

  /** Drop the stored token (revoked, expired, or signed out). */
  async forget() {
    await chrome.storage.local.remove(['token', 'tokenId', 'email']);
    this.account = null;
    this.client.token = null;
    this.render();
  }

  async showUsage() {
    try {
      $('usage').textContent = describeUsage(await this.client.request('GET', '/api/v1/usage'),
        this.signedIn);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && this.signedIn) {
        await this.forget();
        return this.showUsage();
      }
      $('usage').textContent = err instanceof ApiError && err.code === 'unreachable'
        ? `Threadr server unreachable (${this.client.serverUrl}).` : '';
    }
    return undefined;
  }

  async signIn(event) {
    event.preventDefault();
    this.showError(null);
    $('signin-submit').disabled = true;
    try {
      const got = await this.client.signIn($('email').value.trim(), $('password').value);
      await chrome.storage.local.set(got);
      this.account = { email: got.email, tokenId: got.tokenId };
      this.client.token = got.token;
      $('password').value = '';
      $('signin-form').hidden = true;
      this.render();
      this.say(`Signed in as ${got.email}.`);
      await this.showUsage();
    } catch (err) {
      this.showError(err);
    } finally {
      $('signin-submit').disabled = false;
    }
  }

  async signOut() {
    this.showError(null);
    try {
      await this.client.request('DELETE', `/api/v1/tokens/${encodeURIComponent(this.account.tokenId)}`);
      this.say('Signed out.');
    } catch (err) {
      this.say(err instanceof ApiError && err.status === 401 ? 'Signed out.'
        : 'Signed out here, but the server could not be reached to revoke the token: ' +
          'revoke it from the Threadr web page.');
    }
    await this.forget();
    await this.showUsage();
  }
}
