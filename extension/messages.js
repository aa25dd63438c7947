// What the person reads when something goes wrong: one clear sentence, and a link when useful.
import { ApiError } from './api.js';
import { resetPhrase } from './vendor/draft.js';

/** {text, link?: {href, label}} for an error thrown while making a thread or signing in. */
export function explain(err, { signedIn }) {
  if (!(err instanceof ApiError)) return { text: err?.message || 'Something went wrong.' };
  const d = err.details || {};
  switch (err.code) {
    case 'quota_exceeded': {
      const when = resetPhrase(d.resets_at);
      const text = `${err.message}${when ? ` It resets ${when}.` : ''}` +
        (signedIn ? '' : ' Sign in to use your account\'s quota.');
      return { text, link: d.upgrade_url ? { href: d.upgrade_url, label: 'Upgrade to premium' } : null };
    }
    case 'rate_limited':
      return { text: `${err.message}${err.retryAfter ? ` Try again in ${err.retryAfter} s.` : ''}` };
    case 'empty_article':
      return { text: 'No article was found on this page. Select the text you want and ' +
        'click "Thread from this page" again.' };
    case 'payload_too_large':
      return { text: 'This page is too large to send. Select the article text and try again.' };
    case 'unauthorized':
      return { text: signedIn ? 'Your sign-in is no longer valid. Please sign in again.'
        : 'Sign in to do this.' };
    default:
      return { text: err.message };
  }
}
