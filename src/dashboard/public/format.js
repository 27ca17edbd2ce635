// Formatting and small DOM helpers. Every time on the page is UTC, like the API's.

/** Length of one candle in ms; null for 1M (months differ in length). */
export const INTERVAL_MS = {
  '1s': 1_000, '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000,
  '1h': 3_600_000, '2h': 7_200_000, '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000, '12h': 43_200_000,
  '1d': 86_400_000, '3d': 259_200_000, '1w': 604_800_000, '1M': null,
};

export function utc(ms) {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function ago(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return '';
  const minutes = Math.round((now - ms) / 60_000);
  if (minutes < 0) return 'in the future';
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** Metric values with three decimals, as the metrics card shows them (the test compares with this). */
export function metric(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(3) : '—';
}

export function percent(value, digits = 1) {
  return typeof value === 'number' && Number.isFinite(value) ? `${(value * 100).toFixed(digits)} %` : '—';
}

export function count(value) {
  return typeof value === 'number' ? value.toLocaleString('en-US') : '—';
}

/** Money amounts (quote asset) with thousands separators and two decimals: 10,005.70. */
export function money(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '—';
}

/** Creates an element: el('td', {className: 'x', dataset: {metric: 'roc_auc'}}, 'text', child). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (value !== undefined && value !== null) node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A <dl> of [label, value] pairs (value may be a node). */
export function facts(pairs) {
  return el('dl', { className: 'facts' }, pairs.filter(Boolean).flatMap(([label, value]) => [el('dt', {}, label), el('dd', {}, value)]));
}

export function pricePrecision(price) {
  if (!(price > 0)) return 2;
  if (price < 1) return 6;
  if (price < 100) return 4;
  return 2;
}
