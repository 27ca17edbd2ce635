// OPA Crypto built-in dashboard: candles, the active model's signals, equity curves, model quality and data health.
// Plain ES module, no build step; lightweight-charts is served by the app itself (works offline).
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
} from '/vendor/lightweight-charts.mjs';
import { getAllPages, getJson } from './api.js';
import { ago, count, el, facts, INTERVAL_MS, metric, money, percent, pricePrecision, utc } from './format.js';

/** The API's largest kline page; the page loads the newest page first and older pages as the user scrolls back. */
const PAGE = 1000;
/** Load an older page when fewer than this many candles are left of the visible range. */
const PRELOAD_MARGIN = 150;
/**
 * Equity cards ask for the whole curve in one answer of at most this many points (max_points): longer curves come
 * back thinned by the server with every peak and trough kept, and the card says so. Never only the oldest part.
 */
const MAX_EQUITY_POINTS = 10000;
const REFRESH_MS = 60_000;
const COLORS = { up: '#26a69a', down: '#ef5350', prob: '#f5a623', equity: '#4c9aff', hold: '#8592a6', grid: '#1f2835', text: '#aab4c3' };

const $ = (id) => document.getElementById(id);
/** Replaces a node's children, skipping null (optional parts). */
const fill = (node, ...children) => node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));

/** Read by the end-to-end test (and handy in the browser console); the page never writes through it. */
const hook = {
  loads: 0,
  olderLoads: 0,
  /** How long each scroll-back page took in the page (requests + drawing), ms. */
  olderLoadMs: [],
  symbol: null,
  interval: null,
  candles: 0,
  predictions: 0,
  markers: [],
  activeModelId: null,
  allLoaded: false,
  loading: false,
  error: null,
  chart: null,
  firstCandleTime: null,
  refreshes: 0,
  /** What each equity card drew: {points, holdPoints, firstTime, lastTime, lastValue, lastHold} (ms times), or null. */
  equity: { backtest: null, trading: null },
  /** Runs the periodic refresh now (the spec uses it instead of waiting a minute). */
  refresh: () => refresh(),
  /** How many empty bars an equity card's chart leaves before its first and after its last point, or null. */
  equityMargins: (name) => {
    const range = equity[name]?.chart.timeScale().getVisibleLogicalRange();
    return range ? { left: -range.from, right: range.to - (equity[name].points - 1) } : null;
  },
  /** The time range (ms) an equity card's chart shows, or null. */
  equityVisibleRange: (name) => {
    const range = equity[name]?.chart.timeScale().getVisibleRange();
    return range ? { from: range.from * 1000, to: range.to * 1000 } : null;
  },
};
window.__opaDashboard = hook;

const state = {
  pairs: [],
  sources: { sources: { trading: false, backtests: false, indexing: false }, retrain: null },
  symbol: null,
  interval: null,
  pair: null,
  token: 0,
  candles: [],
  volumes: [],
  probabilities: [],
  predictions: [],
  modelId: null,
  loadingOlder: false,
  drawnOnce: false,
};

// ---------- charts ----------

function baseChartOptions() {
  return {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: COLORS.text, fontSize: 12, panes: { separatorColor: '#253041' } },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: '#253041' },
    timeScale: { borderColor: '#253041', timeVisible: true, secondsVisible: false },
    localization: { dateFormat: 'yyyy-MM-dd' },
  };
}

const price = {};

function createPriceChart() {
  price.chart = createChart($('price-chart'), baseChartOptions());
  price.candles = price.chart.addSeries(CandlestickSeries, {
    upColor: COLORS.up,
    downColor: COLORS.down,
    borderVisible: false,
    wickUpColor: COLORS.up,
    wickDownColor: COLORS.down,
  });
  price.volume = price.chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
  price.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  price.probability = price.chart.addSeries(
    LineSeries,
    { color: COLORS.prob, lineWidth: 1, priceFormat: { type: 'price', precision: 2, minMove: 0.01 }, title: 'P(BUY)', priceLineVisible: false },
    1,
  );
  price.probability.createPriceLine({ price: 0.5, color: '#5d6b80', lineWidth: 1, lineStyle: LineStyle.Dashed, axisLabelVisible: false, title: '' });
  price.chart.panes()[1].setHeight(110);
  price.markers = createSeriesMarkers(price.candles, []);
  price.chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
    if (range && range.from < PRELOAD_MARGIN) void loadOlder();
  });
  hook.chart = price.chart;
}

function createEquityChart(containerId, lines) {
  const options = baseChartOptions();
  const chart = createChart($(containerId), {
    ...options,
    localization: { ...options.localization, priceFormatter: money },
    // The default minimum of 0.5 px per point would show only the newest ~800 points of a long curve.
    timeScale: { ...options.timeScale, minBarSpacing: 0.01 },
    handleScroll: true,
    handleScale: true,
  });
  const series = lines.map((line) => chart.addSeries(LineSeries, { color: line.color, lineWidth: line.width ?? 2, lineStyle: line.style ?? LineStyle.Solid, title: line.title, priceLineVisible: false }));
  const card = { chart, series, points: 0 };
  // The card is shown (and sized) in the same task as its data is set: fit the whole curve once the chart has its size.
  chart.timeScale().subscribeSizeChange(() => fitWholeCurve(card));
  return card;
}

/**
 * Shows the whole curve with a little room on both sides (4 % of its points, at least one): fitted edge to edge, the
 * date labels of its first and last points are cut in half by the card's edges ("ec" for Dec).
 */
function fitWholeCurve(card) {
  if (card.points === 0) return;
  const margin = Math.max(1, Math.ceil(card.points * 0.04));
  card.chart.timeScale().setVisibleLogicalRange({ from: -margin, to: card.points - 1 + margin });
}

function showChart(chartId, emptyId, message) {
  const empty = $(emptyId);
  $(chartId).hidden = message !== null;
  empty.hidden = message === null;
  if (message !== null) empty.replaceChildren(el('span', {}, message));
}

// ---------- status line ----------

function setStatus(text, isError = false) {
  const status = $('load-status');
  status.textContent = text;
  status.classList.toggle('error', isError);
  if (isError) hook.error = text;
}

function describeError(error) {
  return error instanceof Error ? error.message : String(error);
}

// ---------- pickers ----------

function fillPickers() {
  const symbols = [...new Set(state.pairs.map((pair) => pair.symbol))].sort();
  $('symbol-select').replaceChildren(...symbols.map((symbol) => el('option', { value: symbol, selected: symbol === state.symbol }, symbol)));
  const length = (interval) => INTERVAL_MS[interval] ?? 31 * 86_400_000;
  const intervals = state.pairs
    .filter((pair) => pair.symbol === state.symbol)
    .map((pair) => pair.interval)
    .sort((a, b) => length(a) - length(b));
  $('interval-select').replaceChildren(...intervals.map((interval) => el('option', { value: interval, selected: interval === state.interval }, interval)));
}

function choosePair(symbol, interval) {
  const ofSymbol = state.pairs.filter((pair) => pair.symbol === symbol);
  const pair =
    ofSymbol.find((p) => p.interval === interval) ??
    ofSymbol.find((p) => p.interval === '1h') ??
    ofSymbol[0] ??
    state.pairs.find((p) => p.symbol === 'BTCUSDT' && p.interval === '1h') ??
    state.pairs[0];
  state.pair = pair ?? null;
  state.symbol = pair?.symbol ?? null;
  state.interval = pair?.interval ?? null;
  fillPickers();
  if (pair) {
    const query = new URLSearchParams({ symbol: pair.symbol, interval: pair.interval });
    history.replaceState(null, '', `?${query}`);
  }
}

// ---------- candles, predictions, markers ----------

/** [start, end] of the page of up to PAGE candles that ends at `end` (1M: everything, it is at most a few hundred candles). */
function windowEndingAt(end) {
  const step = INTERVAL_MS[state.interval];
  const first = state.pair.first_open_time;
  return { start: step === null ? first : Math.max(first, end - (PAGE - 1) * step), end };
}

async function fetchWindow(range) {
  const params = { symbol: state.symbol, interval: state.interval, start: range.start, end: range.end, limit: PAGE };
  const klines = getAllPages('/klines', params, { maxPages: 20 });
  const predictions =
    state.modelId === null
      ? Promise.resolve({ rows: [] })
      : getAllPages('/predictions', { ...params, model_id: state.modelId, limit: 5000 }, { maxPages: 20 });
  return { klines: await klines, predictions: await predictions };
}

function toBars(klines) {
  const candles = [];
  const volumes = [];
  for (const k of klines) {
    const time = k.open_time / 1000;
    const open = Number(k.open_price);
    const close = Number(k.close_price);
    candles.push({ time, open, high: Number(k.high_price), low: Number(k.low_price), close });
    volumes.push({ time, value: Number(k.volume), color: close >= open ? 'rgba(38,166,154,0.35)' : 'rgba(239,83,80,0.35)' });
  }
  return { candles, volumes };
}

function probabilityPoints(predictions) {
  return predictions.filter((p) => typeof p.probabilities.BUY === 'number').map((p) => ({ time: p.open_time / 1000, value: p.probabilities.BUY }));
}

/** A marker where the signal turns: ▲ when it becomes BUY, ▼ when it becomes SELL (HOLD keeps the last direction). */
function signalTurns(predictions) {
  const markers = [];
  let last = null;
  for (const p of predictions) {
    if (p.signal === 'HOLD' || p.signal === last) continue;
    const buy = p.signal === 'BUY';
    markers.push({
      time: p.open_time / 1000,
      position: buy ? 'belowBar' : 'aboveBar',
      shape: buy ? 'arrowUp' : 'arrowDown',
      color: buy ? COLORS.up : COLORS.down,
      id: `${p.signal}-${p.open_time}`,
    });
    last = p.signal;
  }
  return markers;
}

function drawSeries() {
  price.candles.setData(state.candles);
  price.volume.setData(state.volumes);
  price.probability.setData(state.probabilities);
  const markers = signalTurns(state.predictions);
  price.markers.setMarkers(markers);
  hook.candles = state.candles.length;
  hook.predictions = state.predictions.length;
  hook.markers = markers.map((m) => ({ time: m.time, shape: m.shape }));
  hook.firstCandleTime = state.candles[0] ? state.candles[0].time * 1000 : null;
  hook.allLoaded = allLoaded();
}

function allLoaded() {
  return state.candles.length === 0 || state.candles[0].time * 1000 <= state.pair.first_open_time;
}

function updateRangeLabel() {
  const first = state.candles[0];
  const last = state.candles[state.candles.length - 1];
  $('range-label').textContent = first
    ? `${count(state.candles.length)} of ${count(state.pair.count)} candles loaded · ${utc(first.time * 1000)} → ${utc(last.time * 1000)} UTC`
    : '';
}

async function loadOlder() {
  if (state.loadingOlder || !state.pair || state.candles.length === 0 || allLoaded()) return;
  state.loadingOlder = true;
  const token = state.token;
  const began = performance.now();
  try {
    const step = INTERVAL_MS[state.interval] ?? 1;
    let range = windowEndingAt(state.candles[0].time * 1000 - step);
    for (;;) {
      setStatus('Loading older candles…');
      const { klines, predictions } = await fetchWindow(range);
      if (token !== state.token) return;
      if (klines.rows.length > 0 || range.start <= state.pair.first_open_time) {
        const bars = toBars(klines.rows);
        const timeScale = price.chart.timeScale();
        const visible = timeScale.getVisibleLogicalRange();
        state.candles = [...bars.candles, ...state.candles];
        state.volumes = [...bars.volumes, ...state.volumes];
        state.predictions = [...predictions.rows, ...state.predictions];
        state.probabilities = [...probabilityPoints(predictions.rows), ...state.probabilities];
        drawSeries();
        if (visible) timeScale.setVisibleLogicalRange({ from: visible.from + bars.candles.length, to: visible.to + bars.candles.length });
        hook.olderLoads += 1;
        hook.olderLoadMs.push(Math.round(performance.now() - began));
        break;
      }
      range = windowEndingAt(range.start - step); // a gap longer than a page: keep going back
    }
    updateRangeLabel();
    setStatus(allLoaded() ? 'All stored candles loaded' : 'Scroll left for older candles');
  } catch (error) {
    if (token === state.token) setStatus(`Could not load older candles: ${describeError(error)}`, true);
  } finally {
    state.loadingOlder = false;
  }
}

// ---------- model card ----------

const METRIC_COLUMNS = [
  ['roc_auc', 'ROC-AUC', (block) => block.roc_auc],
  ['accuracy', 'Accuracy', (block) => block.accuracy],
  ['f1_buy', 'F1 BUY', (block) => block.per_class?.BUY?.f1 ?? null],
  ['f1_sell', 'F1 SELL', (block) => block.per_class?.SELL?.f1 ?? null],
];

/** The model's row is green where it beats every baseline on that metric, amber where a baseline does at least as well. */
function metricRow(name, block, baselines) {
  const isModel = baselines !== null;
  return el(
    'tr',
    { className: isModel ? 'model-row' : '' },
    el('td', {}, name),
    METRIC_COLUMNS.map(([key, , read]) => {
      const value = read(block);
      let className = '';
      let title;
      if (isModel && typeof value === 'number') {
        const rivals = baselines.filter(([, b]) => typeof read(b) === 'number' && read(b) >= value);
        className = rivals.length === 0 ? 'better' : 'worse';
        title = rivals.length === 0 ? 'beats every baseline' : `not better than ${rivals.map(([label]) => label).join(', ')}`;
      }
      return el('td', { className, title, dataset: { metric: key, row: isModel ? 'model-row' : 'baseline', value: String(value ?? '') } }, metric(value));
    }),
  );
}

function renderModel(model) {
  const body = $('model-body');
  const badge = $('model-badge');
  if (model === null) {
    badge.textContent = '';
    body.replaceChildren(
      el('p', { className: 'muted' }, `No active model for ${state.symbol} ${state.interval}. Train one with `, el('code', {}, 'POST /api/models'), ' and activate it with ', el('code', {}, 'POST /api/models/:id/activate'), '.'),
    );
    return;
  }
  badge.textContent = `#${model.id} active`;
  const m = model.metrics;
  const retrain = state.sources.retrain;
  const params = model.params;
  const baselines = [
    ['Always BUY', m.baselines.always_buy],
    [`Majority (${m.baselines.training_majority.predicted_class})`, m.baselines.training_majority],
    ['Momentum', m.baselines.momentum],
  ];
  const beaten = METRIC_COLUMNS.slice(0, 2).map(([, label, read]) => [label, baselines.every(([, b]) => typeof read(b) !== 'number' || read(m) > read(b))]);
  const verdict = beaten.every(([, wins]) => wins)
    ? el('p', { className: 'verdict ok' }, 'Beats every baseline on ROC-AUC and accuracy.')
    : el('p', { className: 'verdict warn' }, `Does not beat every baseline on ${beaten.filter(([, wins]) => !wins).map(([label]) => label).join(' and ')}.`);
  fill(body, 
    facts([
      ['Data range', `${utc(params.start)} → ${utc(params.end)} UTC`],
      model.dataset ? ['Rows', `${count(model.dataset.rows)} of ${count(model.dataset.candles)} candles`] : null,
      holesFact(model.dataset?.gaps),
      ['Trained', model.finished_at ? `${utc(Date.parse(model.finished_at))} UTC (${ago(Date.parse(model.finished_at))})` : '—'],
      ['Next retrain', retrain ? (retrain.next_at ? `${utc(retrain.next_at)} UTC (cron ${retrain.cron})` : `cron ${retrain.cron}`) : 'off (MODEL_RETRAIN_CRON unset)'],
      ['Setup', `horizon ${params.horizon} · ${params.hyper_parameters.n_estimators} trees · depth ${params.hyper_parameters.max_depth} · seed ${params.seed}`],
    ]),
    el('div', { className: 'subhead' }, `Walk-forward, ${m.walk_forward?.folds ?? params.folds} folds, ${count(m.rows)} test rows`),
    el(
      'table',
      { className: 'metrics', id: 'metrics-table' },
      el('thead', {}, el('tr', {}, el('th', {}, ''), METRIC_COLUMNS.map(([, label]) => el('th', {}, label)))),
      el('tbody', {}, metricRow('Model', m, baselines), baselines.map(([label, block]) => metricRow(label, block, null))),
    ),
    verdict,
    m.noise && typeof m.noise.auc_z_score === 'number'
      ? el('p', { className: 'muted verdict' }, `ROC-AUC ${m.noise.auc_z_score.toFixed(1)} standard errors from 0.5 (coin flip).`)
      : null,
  );
}

async function loadModel() {
  const models = await getJson('/models', { symbol: state.symbol, interval: state.interval });
  const active = models.find((model) => model.active);
  return active ? getJson(`/models/${active.id}`) : null;
}

// ---------- data health ----------

/** A [label, value] fact when the training candles have holes longer than the feature look-back, else null. */
function holesFact(gaps) {
  if (!gaps || gaps.longer_than_lookback === 0 || !gaps.longest) return null;
  const longest = gaps.longest;
  return [
    'Data holes',
    el(
      'span',
      { id: 'model-holes', className: 'warn' },
      `${count(gaps.longer_than_lookback)} longer than the ${gaps.lookback_candles}-candle look-back, ${count(gaps.missing_candles)} candles missing ` +
        `(longest ${count(longest.missing)}: ${utc(longest.after)} → ${utc(longest.before)} UTC); the model saw less data than its range says`,
    ),
  ];
}

/**
 * The empty dashboard's first-run guide: the three commands that give a newcomer stored candles, a trained model and
 * an out-of-sample backtest from Binance's public archives, each with a copy button. Training covers January to June
 * 2024 and the backtest July and August, so the backtest is not in-sample.
 */
function firstRunGuide() {
  const api = `${location.origin}/api`;
  const steps = [
    [
      'Download monthly BTCUSDT 1h archives from https://data.binance.vision (spot, monthly, klines) and import them:',
      'npm run import:klines -- --symbol BTCUSDT --interval 1h BTCUSDT-1h-2024-0*.zip',
    ],
    [
      'Train a model on January to June 2024 (answers 202 with its id; add -H "x-api-key: …" when API_KEY is set):',
      `curl -X POST ${api}/models -H 'content-type: application/json' -d '{"symbol":"BTCUSDT","interval":"1h","start":"2024-01-01T00:00:00Z","end":"2024-06-30T23:00:00Z"}'`,
    ],
    [
      'When it is ready, backtest it on data it never saw (July and August), with fees and slippage:',
      `curl -X POST ${api}/backtests -H 'content-type: application/json' -d '{"model_id":1,"start":"2024-07-01T00:00:00Z","end":"2024-08-31T23:00:00Z"}'`,
    ],
  ];
  return el('div', { id: 'first-run', className: 'first-run' }, [
    el('h3', {}, 'First run: three commands'),
    el(
      'ol',
      {},
      steps.map(([text, command]) => {
        const copy = el('button', { type: 'button', className: 'copy', dataset: { command } }, 'Copy');
        copy.addEventListener('click', () => {
          void navigator.clipboard?.writeText(command).then(() => (copy.textContent = 'Copied'), () => (copy.textContent = 'Select and copy'));
        });
        return el('li', {}, el('p', {}, text), el('div', { className: 'command' }, el('code', {}, command), copy));
      }),
    ),
  ]);
}

/** The sync row: off, Binance unreachable (in red, with what to do), or who runs it and whether this pair is in it. */
function syncState(ingestion, pairConfigured) {
  if (!ingestion.sync_enabled) return 'off (INGESTION_ENABLED=false)';
  const binance = ingestion.binance;
  if (binance && !binance.reachable) {
    return el('span', { id: 'binance-unreachable', className: 'bad' }, [
      `Binance unreachable since ${utc(Date.parse(binance.unreachable_since))} UTC (${binance.reason}); next try ${utc(Date.parse(binance.next_try_at))} UTC. `,
      el('span', { className: 'muted' }, binance.hint),
    ]);
  }
  const who = ingestion.leader ? 'running here' : 'another instance leads';
  if (pairConfigured === null) return who;
  return `${who}${pairConfigured ? ' · this pair is synced' : ' · this pair is not in SYMBOLS/INTERVALS'}`;
}

function renderHealth(coverage, ingestion, indexing) {
  const gaps = coverage === null ? [] : [...coverage.gaps].sort((a, b) => b.from - a.from).slice(0, 4);
  const weight = ingestion.weight;
  const rateState =
    weight.paused_until !== null
      ? el('span', { className: 'bad' }, `paused until ${weight.paused_until}`)
      : weight.rate_limited > 0 || weight.bans > 0
        ? el('span', { className: 'warn' }, `${weight.rate_limited} × 429, ${weight.bans} bans`)
        : el('span', { className: 'ok' }, 'no 429 / ban');
  const last = ingestion.last_sync;
  const pairConfigured = ingestion.pairs.includes(`${state.symbol} ${state.interval}`);
  const coverageSection =
    coverage === null
      ? [el('p', { className: 'warn' }, `No candles stored yet. Configured pairs: ${ingestion.pairs.join(', ') || 'none'}.`)]
      : [
          el('div', { className: 'subhead' }, `${state.symbol} ${state.interval} coverage`),
          facts([
            ['Stored', `${count(coverage.count)} candles`],
            ['Range', `${utc(coverage.first_open_time)} → ${utc(coverage.last_open_time)} UTC`],
            ['Last candle', el('span', { id: 'last-candle' }, `${utc(coverage.last_open_time)} UTC (${ago(coverage.last_open_time)})`)],
            ['Gaps', coverage.gaps.length === 0 ? el('span', { className: 'ok' }, 'none') : `${count(coverage.gaps.length)} (${count(coverage.missing)} candles missing, ${count(coverage.known_missing)} known exchange outages)`],
          ]),
        ];
  fill(
    $('health-body'),
    coverageSection,
    coverage !== null && gaps.length > 0 ? el('ul', { className: 'gaps' }, gaps.map((gap) => el('li', {}, `${utc(gap.from)} → ${utc(gap.to)} · ${count(gap.missing)}${gap.known ? ' (known)' : ''}`))) : null,
    el('div', { className: 'subhead' }, 'Ingestion'),
    facts([
      ['Sync', syncState(ingestion, coverage === null ? null : pairConfigured)],
      ['Last sync', last ? `${utc(Date.parse(last.started_at))} UTC · ${count(last.stored)} stored${last.failed_pairs > 0 ? ` · ${count(last.failed_pairs)} pair(s) failed` : ''}${last.error ? ` · ${last.error}` : ''}` : 'none since start'],
      ['Binance weight', `${count(weight.used_in_window)} / ${count(weight.budget)} per minute (limit ${count(weight.limit_per_window)})`],
      ['Rate limits', rateState],
    ]),
    el('div', { className: 'subhead' }, 'Indexing (Elasticsearch)'),
    indexing === null
      ? el('p', { className: 'muted' }, 'Not available in this build.')
      : facts([
          ['State', indexing.enabled ? el('span', { className: 'ok' }, 'on') : 'off (ELASTICSEARCH_URL unset)'],
          ['Backlog', el('span', { id: 'indexing-backlog', className: indexing.backlog > 0 ? 'warn' : '' }, `${count(indexing.backlog)} waiting${indexing.parked ? `, ${count(indexing.parked)} parked` : ''}`)],
          ['Last drain', indexing.last_drain_at ? `${utc(indexing.last_drain_at)} UTC` : '—'],
          indexing.last_error ? ['Last error', el('span', { className: 'bad' }, indexing.last_error)] : null,
        ]),
  );
}

/** [coverage of the pair (null without a pair), ingestion status, indexing status (null when not in this build)]. */
function loadHealth() {
  return Promise.all([
    state.pair ? getJson('/klines/coverage', { symbol: state.symbol, interval: state.interval }) : Promise.resolve(null),
    getJson('/ingestion/status'),
    state.sources.sources.indexing ? getJson('/indexing/status', {}, { allowMissing: true }) : Promise.resolve(null),
  ]);
}

// ---------- trading banner and equity ----------

function renderBanner(status) {
  const banner = $('mode-banner');
  const live = status?.mode === 'live';
  banner.className = `banner ${live ? 'banner-live' : status?.killed ? 'banner-stopped' : 'banner-paper'}`;
  banner.dataset.mode = live ? 'live' : 'paper';
  $('mode-label').textContent = live ? 'LIVE' : 'PAPER';
  let detail;
  if (status === null) detail = 'Paper trading (no trading module in this build): no real orders are ever sent.';
  else if (live) detail = 'LIVE TRADING: real orders with real money on Binance.';
  else detail = 'Paper trading: simulated orders, no real money.';
  if (status?.killed) detail += ' Trading is stopped (kill switch).';
  $('mode-detail').textContent = detail;
  $('trading-title').textContent = live ? 'LIVE trading equity' : 'Paper trading equity';
}

/** Equity points → chart points (seconds, strictly increasing). */
function linePoints(rows, field) {
  const points = [];
  for (const row of rows) {
    const time = Math.floor(Number(row.time) / 1000);
    const value = Number(row[field]);
    if (!Number.isFinite(value)) continue;
    if (points.length > 0 && points[points.length - 1].time >= time) continue;
    points.push({ time, value });
  }
  return points;
}

/**
 * Buy-and-hold on the loaded candles: the equity of the first point the candles cover, put in the coin and held.
 * Trading equity points are valued at a candle's close and carry its close time, so each point is valued at the close
 * of the candle that closed at (or last before) it. Returns the line and when it starts (later than the equity curve
 * when older candles are not loaded yet).
 */
function buyAndHoldOf(points) {
  const candles = state.candles;
  const step = (INTERVAL_MS[state.interval] ?? 0) / 1000;
  if (candles.length === 0) return { line: [], from: null };
  const startIndex = points.findIndex((p) => p.time - step >= candles[0].time);
  if (startIndex < 0) return { line: [], from: null };
  const closeAt = (time) => {
    let lo = 0;
    let hi = candles.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (candles[mid].time + step <= time) lo = mid;
      else hi = mid - 1;
    }
    return candles[lo].close;
  };
  const start = points[startIndex];
  const base = closeAt(start.time);
  return { line: points.slice(startIndex).map((p) => ({ time: p.time, value: (start.value * closeAt(p.time)) / base })), from: start.time };
}

/** What a card drew, for the test hook. */
function drawnSummary(points, hold) {
  if (points.length === 0) return null;
  return {
    points: points.length,
    holdPoints: hold.length,
    firstTime: points[0].time * 1000,
    lastTime: points[points.length - 1].time * 1000,
    lastValue: points[points.length - 1].value,
    lastHold: hold.length === 0 ? null : hold[hold.length - 1].value,
  };
}

const equity = {};

async function loadBacktest() {
  if (!state.sources.sources.backtests) return { message: 'No backtest yet: backtests are not available in this build.' };
  const list = await getJson('/backtests', { symbol: state.symbol, interval: state.interval, limit: 20 }, { allowMissing: true });
  // The newest out-of-sample backtest: an in-sample one (its range overlaps the model's training data) measures how
  // well the model remembers, not how it would have traded, so it is shown only when there is nothing else (labelled).
  const completed = (list?.data ?? []).filter((b) => b.status === 'completed');
  const latest = completed.find((b) => b.summary?.overlaps_training === false) ?? completed[0];
  if (!latest) return { message: [`No backtest yet for ${state.symbol} ${state.interval}. Run one with `, el('code', {}, 'POST /api/backtests'), '.'] };
  const [detail, curve] = await Promise.all([
    getJson(`/backtests/${latest.id}`, {}, { allowMissing: true }),
    getJson(`/backtests/${latest.id}/equity`, { max_points: MAX_EQUITY_POINTS }, { allowMissing: true }),
  ]);
  if (!curve?.data || curve.data.length === 0) return { message: `Backtest #${latest.id} has no equity curve.` };
  return { backtest: detail ?? latest, rows: curve.data, thinned: thinnedNote(curve) };
}

/**
 * One equity card: its empty state (message), or its chart with the strategy line and a dashed buy-and-hold line.
 * Returns the chart's two series, or null when the card shows a message.
 */
function equityCard(name, strategyTitle, message) {
  const chartId = `${name}-chart`;
  if (message) {
    hook.equity[name] = null;
    showChart(chartId, `${name}-empty`, message);
    $(`${name}-summary`).textContent = '';
    return null;
  }
  showChart(chartId, `${name}-empty`, null);
  equity[name] ??= createEquityChart(chartId, [
    { color: COLORS.equity, title: strategyTitle },
    { color: COLORS.hold, title: 'buy & hold', width: 2, style: LineStyle.Dashed },
  ]);
  return equity[name];
}

/** What the summary line says when the server thinned the curve to MAX_EQUITY_POINTS (empty when it did not). */
function thinnedNote(curve) {
  return curve.downsampled ? ` · ${count(curve.data.length)} of ${count(curve.total_points)} points drawn (every peak and trough kept)` : '';
}

function renderBacktest(result) {
  const card = equityCard('backtest', 'strategy', result.message);
  if (!card) return;
  const points = linePoints(result.rows, 'equity');
  const hold = linePoints(result.rows, 'buy_and_hold_equity');
  card.series[0].setData(points);
  card.series[1].setData(hold);
  card.points = points.length;
  fitWholeCurve(card);
  hook.equity.backtest = { id: result.backtest.id, ...drawnSummary(points, hold) };
  const b = result.backtest;
  const metrics = b.metrics ?? {};
  const inSample = b.summary?.overlaps_training === true;
  $('backtest-summary').className = inSample ? 'warn' : 'muted';
  $('backtest-summary').textContent =
    (inSample ? 'IN-SAMPLE (overlaps the model\'s training data: not a test of the model) · ' : '') +
    `#${b.id} · ${utc(Number(b.start))} → ${utc(Number(b.end))} · return ${percent(metrics.total_return)} vs buy & hold ${percent(metrics.buy_and_hold_return)}` +
    ` · max DD ${percent(metrics.max_drawdown)} · ${metrics.trades ?? '—'} trades${result.thinned}`;
}

async function loadTrading() {
  if (!state.sources.sources.trading) return { status: null, message: 'No trading yet: trading is not available in this build.' };
  const [status, curve] = await Promise.all([
    getJson('/trading/status', {}, { allowMissing: true }),
    state.symbol === null ? null : getJson('/trading/equity', { symbol: state.symbol, interval: state.interval, max_points: MAX_EQUITY_POINTS }, { allowMissing: true }),
  ]);
  const rows = curve?.data ?? [];
  if (rows.length === 0) {
    return { status, message: `No ${status?.mode === 'live' ? 'live' : 'paper'} trading yet for ${state.symbol} ${state.interval}.` };
  }
  return { status, rows, thinned: thinnedNote(curve) };
}

function renderTrading(result) {
  renderBanner(result.status);
  const card = equityCard('trading', 'equity', result.message);
  if (!card) return;
  const points = linePoints(result.rows, 'equity');
  card.series[0].setData(points);
  const hold = buyAndHoldOf(points);
  card.series[1].setData(hold.line);
  card.points = points.length;
  fitWholeCurve(card);
  hook.equity.trading = drawnSummary(points, hold.line);
  const first = points[0].value;
  const last = points[points.length - 1].value;
  let holdNote = '';
  if (hold.line.length > 0) {
    const holdStart = hold.line[0].value;
    const holdLast = hold.line[hold.line.length - 1].value;
    holdNote = ` · buy & hold ${money(holdLast)} (${percent(holdLast / holdStart - 1)}${hold.from === points[0].time ? '' : ` from ${utc(hold.from * 1000)}`})`;
  }
  $('trading-summary').textContent = `${money(last)} (${percent(last / first - 1)}) since ${utc(points[0].time * 1000)}${holdNote}${result.thinned}`;
}

// ---------- loading a pair ----------

function resetPair() {
  state.candles = [];
  state.volumes = [];
  state.probabilities = [];
  state.predictions = [];
  state.modelId = null;
  drawSeries();
}

/** Runs one part of a pair's load; a failure is shown on the page (never thrown to the console). */
async function part(token, name, work, render) {
  try {
    const result = await work();
    if (token === state.token) await render(result);
  } catch (error) {
    if (token === state.token) setStatus(`${name}: ${describeError(error)}`, true);
  }
}

async function loadPair() {
  const token = (state.token += 1);
  hook.loading = true;
  hook.error = null;
  hook.symbol = state.symbol;
  hook.interval = state.interval;
  setStatus(`Loading ${state.symbol} ${state.interval}…`);
  resetPair();
  $('chart-title').textContent = `${state.symbol} ${state.interval}`;
  const end = state.pair.last_open_time;
  const range = windowEndingAt(end);

  // Candles first (drawn as soon as they arrive), the rest in parallel.
  const candles = getAllPages('/klines', { symbol: state.symbol, interval: state.interval, start: range.start, end: range.end, limit: PAGE }, { maxPages: 20 });
  const model = loadModel();
  const chart = (async () => {
    const klines = await candles;
    if (token !== state.token) return;
    const bars = toBars(klines.rows);
    state.candles = bars.candles;
    state.volumes = bars.volumes;
    const precision = pricePrecision(bars.candles[bars.candles.length - 1]?.close);
    price.candles.applyOptions({ priceFormat: { type: 'price', precision, minMove: 10 ** -precision } });
    drawSeries();
    price.chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, bars.candles.length - 300), to: bars.candles.length + 5 });
    updateRangeLabel();
    if (!state.drawnOnce) {
      state.drawnOnce = true;
      requestAnimationFrame(() => requestAnimationFrame(() => performance.mark('opa:chart-drawn')));
    }
    const activeModel = await model.catch(() => null);
    if (token !== state.token || !activeModel) return;
    state.modelId = activeModel.id;
    hook.activeModelId = activeModel.id;
    const predictions = await getAllPages(
      '/predictions',
      { symbol: state.symbol, interval: state.interval, model_id: activeModel.id, start: range.start, end: range.end, limit: 5000 },
      { maxPages: 20 },
    );
    if (token !== state.token) return;
    state.predictions = predictions.rows;
    state.probabilities = probabilityPoints(predictions.rows);
    drawSeries();
  })();

  await Promise.all([
    part(token, 'Candles', () => chart, () => undefined),
    part(token, 'Model', () => model, renderModel),
    part(
      token,
      'Data health',
      loadHealth,
      ([coverage, ingestion, indexing]) => renderHealth(coverage, ingestion, indexing),
    ),
    part(token, 'Backtest', loadBacktest, renderBacktest),
    // After the candles: buy-and-hold of the trading curve is computed on them.
    part(
      token,
      'Trading',
      async () => {
        await chart.catch(() => undefined);
        return loadTrading();
      },
      renderTrading,
    ),
  ]);
  if (token !== state.token) return;
  hook.loading = false;
  hook.loads += 1;
  if (!hook.error) setStatus(state.candles.length < state.pair.count ? 'Scroll left for older candles' : 'All stored candles loaded');
  document.dispatchEvent(new CustomEvent('opa:loaded', { detail: { symbol: state.symbol, interval: state.interval } }));
}

/** Newer candles (and the active model's predictions of them) since the newest one on the chart, appended. */
async function appendNewer(token, lastStored) {
  const newest = state.candles[state.candles.length - 1];
  if (!newest || lastStored === null || lastStored <= newest.time * 1000) return;
  const params = { symbol: state.symbol, interval: state.interval, start: newest.time * 1000 + 1, end: lastStored };
  const [klines, predictions] = await Promise.all([
    getAllPages('/klines', { ...params, limit: PAGE }, { maxPages: 5 }),
    state.modelId === null ? Promise.resolve({ rows: [] }) : getAllPages('/predictions', { ...params, model_id: state.modelId, limit: 5000 }, { maxPages: 5 }),
  ]);
  if (token !== state.token || klines.rows.length === 0) return;
  const bars = toBars(klines.rows);
  state.candles.push(...bars.candles);
  state.volumes.push(...bars.volumes);
  const lastPredicted = state.predictions[state.predictions.length - 1]?.open_time ?? -1;
  const fresh = predictions.rows.filter((p) => p.open_time > lastPredicted);
  state.predictions.push(...fresh);
  state.probabilities.push(...probabilityPoints(fresh));
  state.pair.last_open_time = lastStored;
  drawSeries();
  updateRangeLabel();
}

/** Every REFRESH_MS: data health, trading, and candles stored since the page loaded. */
async function refresh() {
  if (!state.pair || hook.loading) return;
  const token = state.token;
  await part(
    token,
    'Data health',
    loadHealth,
    ([coverage, ingestion, indexing]) => {
      renderHealth(coverage, ingestion, indexing);
      state.pair.count = coverage.count;
      return part(token, 'New candles', () => appendNewer(token, coverage.last_open_time), () => undefined);
    },
  );
  // Drawn after the new candles are in: its buy-and-hold line is computed on them.
  if (state.sources.sources.trading) await part(token, 'Trading', loadTrading, renderTrading);
  hook.refreshes += 1;
}

async function start() {
  createPriceChart();
  $('symbol-select').addEventListener('change', (event) => {
    choosePair(event.target.value, state.interval);
    void loadPair();
  });
  $('interval-select').addEventListener('change', (event) => {
    choosePair(state.symbol, event.target.value);
    void loadPair();
  });
  try {
    const [pairs, sources] = await Promise.all([getJson('/symbols'), getJson('/dashboard/sources')]);
    state.pairs = pairs;
    state.sources = sources;
  } catch (error) {
    setStatus(`Could not reach the API: ${describeError(error)}`, true);
    return;
  }
  if (!state.sources.sources.trading) renderBanner(null);
  if (state.pairs.length === 0) {
    $('price-chart').hidden = true;
    showChart('price-chart', 'price-empty', [
      el('p', {}, 'No candles stored yet. Import archives with ', el('code', {}, 'npm run import:klines'), ' or wait for the scheduled sync.'),
      firstRunGuide(),
    ]);
    setStatus('No data');
    fill($('model-body'), el('p', { className: 'muted' }, 'No model yet: models train on stored candles.'));
    showChart('backtest-chart', 'backtest-empty', 'No backtest yet.');
    showChart('trading-chart', 'trading-empty', 'No trading yet.');
    await part(state.token, 'Data health', loadHealth, ([coverage, ingestion, indexing]) => renderHealth(coverage, ingestion, indexing));
    if (state.sources.sources.trading) await part(state.token, 'Trading', loadTrading, (result) => renderBanner(result.status));
    hook.loads += 1;
    return;
  }
  const query = new URLSearchParams(location.search);
  choosePair(query.get('symbol'), query.get('interval'));
  await loadPair();
  setInterval(() => void refresh(), REFRESH_MS);
}

void start();
