// The operator's dashboard: KPI charts drawn as SVG here, CSV download, account look-up.
import { api, session } from './api.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#1d9bf0', '#f4a100', '#17bf63', '#e0245e', '#794bc4', '#657786', '#00a3a3', '#ff7a00'];
let current = null;

function svg(tag, attrs = {}, text = '') {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

// Stacked bars: one per day, one colour per series, with axis labels and a legend.
function chart(box, days, series) {
  const names = Object.keys(series).sort();
  const totals = days.map((_, i) => names.reduce((s, n) => s + series[n][i], 0));
  const max = Math.max(1, ...totals);
  const W = 640, H = 220, left = 36, bottom = 28, top = 10;
  const bar = (W - left) / days.length;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H + 24 + 16 * Math.ceil(names.length / 4)}`, role: 'img',
    'aria-label': `${names.join(', ')} per day` });
  root.append(svg('line', { x1: left, y1: H - bottom, x2: W, y2: H - bottom, stroke: '#8899a6' }));
  root.append(svg('text', { x: 2, y: top + 8, 'font-size': 11, fill: '#8899a6' }, String(max)));
  days.forEach((day, i) => {
    let y = H - bottom;
    names.forEach((name, k) => {
      const h = ((H - bottom - top) * series[name][i]) / max;
      if (h > 0) {
        const rect = svg('rect', { x: left + i * bar + 2, y: y - h, width: Math.max(1, bar - 4), height: h, fill: COLORS[k % COLORS.length] });
        rect.append(svg('title', {}, `${day} ${name}: ${series[name][i]}`));
        root.append(rect);
      }
      y -= h;
    });
    if (days.length <= 16 || i % Math.ceil(days.length / 8) === 0) {
      root.append(svg('text', { x: left + i * bar + bar / 2, y: H - 10, 'font-size': 10, 'text-anchor': 'middle', fill: '#8899a6' }, day.slice(5)));
    }
  });
  names.forEach((name, k) => {
    const x = left + (k % 4) * 150, y = H + 14 + 16 * Math.floor(k / 4);
    root.append(svg('rect', { x, y: y - 9, width: 10, height: 10, fill: COLORS[k % COLORS.length] }));
    root.append(svg('text', { x: x + 14, y, 'font-size': 11, fill: 'currentColor' }, name));
  });
  box.replaceChildren(root);
}

function money(cents) {
  return Object.entries(cents).map(([cur, c]) => `${(c / 100).toFixed(2)} ${cur.toUpperCase()}`).join(', ') || '0';
}

function showTotals(t) {
  const rows = [['Threads', t.threads], ['New accounts', t.new_accounts],
    ['Verified share', `${Math.round(t.verified_share * 100)}%`], ['Paying accounts', t.paying_accounts],
    ['Conversion', `${(t.conversion * 100).toFixed(1)}%`], ['Revenue', money(t.revenue_cents)],
    ['LLM tokens', t.llm_tokens], ['LLM cost (est.)', `$${t.llm_cost_usd.toFixed(2)}`],
    ['Error rate', `${(t.error_rate * 100).toFixed(1)}%`],
    ['Quota rejections', `${(t.quota_rejection_rate * 100).toFixed(1)}%`]];
  $('totals').replaceChildren(...rows.flatMap(([k, v]) => [
    Object.assign(document.createElement('dt'), { textContent: k }),
    Object.assign(document.createElement('dd'), { textContent: String(v) })]));
}

async function load() {
  $('admin-error').hidden = true;
  try {
    current = await api('GET', `/api/v1/admin/kpis?days=${Number($('window-days').value) || 14}`);
    showTotals(current.totals);
    chart($('chart-surface'), current.days, current.threads_by_surface);
    chart($('chart-generator'), current.days, current.threads_by_generator);
    chart($('chart-active'), current.days, { active: current.active_identities });
    document.body.dataset.loaded = 'true';
  } catch (err) {
    $('admin-error').textContent = err.status === 403 ? 'This page is for Threadr operators.' : err.message;
    $('admin-error').hidden = false;
  }
}

async function csv() {
  const days = Number($('window-days').value) || 14;
  const response = await fetch(`/api/v1/admin/kpis?days=${days}&format=csv`, { headers: { Authorization: `Bearer ${session.token}` } });
  const url = URL.createObjectURL(await response.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: `threadr-kpis-${days}d.csv` });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let found = null;
async function lookup(e) {
  e.preventDefault();
  try {
    found = await api('GET', `/api/v1/admin/users?email=${encodeURIComponent($('lookup-email').value)}`);
    $('lookup-result').textContent = JSON.stringify(found, null, 2);
    $('premium-form').hidden = false;
  } catch (err) { $('lookup-result').textContent = err.message; $('premium-form').hidden = true; }
}

async function premium(method, body) {
  const answer = await api(method, `/api/v1/admin/users/${found.id}/premium`, body);
  $('lookup-result').textContent = JSON.stringify(answer, null, 2);
}

$('window-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
$('csv').addEventListener('click', csv);
$('lookup-form').addEventListener('submit', lookup);
$('premium-form').addEventListener('submit', (e) => { e.preventDefault(); premium('POST', { days: Number($('premium-days').value) }); });
$('premium-revoke').addEventListener('click', () => premium('DELETE'));
load();
