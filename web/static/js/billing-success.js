// The page Stripe Checkout returns to: polls /api/v1/me until premium shows (bounded).
import { api, session } from './api.js';

const INTERVAL_MS = 2000;
const MAX_TRIES = 60; // two minutes; Stripe usually confirms within seconds

function show(text) {
  document.getElementById('premium-status').textContent = text;
}

async function poll() {
  if (!session.token) {
    show('Payment received. Sign in on the main page to see your premium.');
    return;
  }
  for (let i = 0; i < MAX_TRIES; i += 1) {
    try {
      const me = await api('GET', '/api/v1/me');
      if (me.premium_until) {
        const until = new Date(me.premium_until).toLocaleDateString();
        show(`Premium is active until ${until}. Enjoy!`);
        document.body.dataset.premium = 'active';
        return;
      }
    } catch (err) {
      if (err.status === 401) { show('Sign in on the main page to see your premium.'); return; }
    }
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
  }
  show('Your payment is still being confirmed. Premium will show on the main page shortly.');
}

poll();
