import type { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { BacktestEntity } from '../../src/backtest/backtest.entity';
import { BacktestStore, type BacktestResultRows } from '../../src/backtest/backtest-store';
import { IndexingDrainer } from '../../src/indexing/indexing-drainer.service';
import { BACKTEST_REF_ROWS } from '../../src/indexing/sources/backtests.source';
import { TRADING_EQUITY_SOURCE } from '../../src/indexing/sources/trading.source';
import type { IndexDocument } from '../../src/indexing/index-source';
import { DEFAULT_LABEL_CONFIG } from '../../src/modelling/core';
import { JobLease } from '../../src/platform/jobs';
import { ModelRegistryService } from '../../src/modelling/model-registry.service';
import type { ClosedTrade } from '../../src/trading/core';
import { TradingStore } from '../../src/trading/trading.store';
import { HOUR_MS } from '../modelling/modelling-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { allIds, dropPrefix, drainUntilEmpty, ELASTICSEARCH_TEST_URL, esClient, uniquePrefix } from './indexing-fixtures';

// A backtest result of 25 000 candles written through BacktestStore.saveResult (SQLite): more documents than one drain
// batch may hold (20 000), so the references must be chunked and the drain must take two batches.
const CANDLES = 25_000;
const FROM = Date.UTC(2020, 0, 1);
const API_KEY = 'index-wire-sqlite-key-0123456789';

describe('Backtest and trading sources on SQLite: chunked references, bounded batches, scan equals load', () => {
  const prefix = uniquePrefix('wsql');
  let es: Client;
  let t: TestApp;

  beforeAll(async () => {
    es = esClient();
    t = await startTestApp({ ELASTICSEARCH_URL: ELASTICSEARCH_TEST_URL, ELASTICSEARCH_INDEX_PREFIX: prefix, INDEXING_DRAIN_INTERVAL_MS: '3600000', INDEXING_BATCH_ROWS: '1000', API_KEY });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (es) {
      await dropPrefix(es, prefix);
      await es.close();
    }
  });

  it('a 25 000-candle backtest is 13 equity references, drained in bounded batches (20 000 documents + at most one reference)', async () => {
    const model = await t.app.get(ModelRegistryService).create({
      symbol: 'BTCUSDT', interval: '1h', dataStart: FROM, dataEnd: FROM + HOUR_MS * 1000, labels: { ...DEFAULT_LABEL_CONFIG }, seed: 1, origin: 'api',
      hyperParameters: { n_estimators: 1, max_features: 0.6, sample_fraction: 0.5, max_samples_per_tree: 10, with_replacement: false, max_depth: 2, min_num_samples: 2, gain_threshold: 0 },
      evaluation: { folds: 2, purge_candles: 4, training_window: 'expanding' },
    });
    const store = t.app.get(BacktestStore);
    const backtest = await store.create({
      modelId: model.id, symbol: 'BTCUSDT', interval: '1h', rangeStart: FROM, rangeEnd: FROM + (CANDLES - 1) * HOUR_MS, feeRate: 0.001, slippageBps: 5,
      initialCapital: 10_000, strategy: {} as never, symbolRules: {} as never,
    });
    const time = new Float64Array(CANDLES);
    const equity = new Float64Array(CANDLES);
    const buyAndHold = new Float64Array(CANDLES);
    const drawdown = new Float64Array(CANDLES);
    for (let i = 0; i < CANDLES; i++) {
      time[i] = FROM + (i + 1) * HOUR_MS;
      equity[i] = 10_000 + 500 * Math.sin(i / 50);
      buyAndHold[i] = 10_000 + i / 10;
      drawdown[i] = i % 7 === 0 ? 0 : (i % 7) / 100;
    }
    const trades: ClosedTrade[] = Array.from({ length: 3 }, (_, k) => ({
      symbol: 'BTCUSDT', side: 'LONG', entryTime: FROM + k * 10 * HOUR_MS, exitTime: FROM + (k * 10 + 5) * HOUR_MS, entryPrice: 100 + k, exitPrice: 101 + k,
      quantity: '0.12345678', quantityNumber: 0.12345678, pnl: 0.1 * k, returnPct: 0.001 * k, fees: 0.02, exitReason: k === 2 ? 'end_of_data' : 'signal', candlesHeld: 5,
    }));
    const result = { equity: { time, equity, buyAndHold, drawdown }, trades, metrics: {}, baselines: {}, summary: {} } as unknown as BacktestResultRows;
    // Held by this spec as a job of its own (platform/jobs lease), so the app's backtest runner leaves it alone.
    await t.app.get(DataSource).getRepository(BacktestEntity).update({ id: backtest.id }, { status: 'running', owner: 'indexing-spec', leaseUntil: Date.now() + 3_600_000 });
    await store.saveResult(new JobLease(backtest.id, 'indexing-spec', 1), result);

    const db = t.app.get(DataSource);
    const refs = (await db.query<{ ref: string }[]>(`SELECT "ref" FROM "index_outbox" WHERE "source" = 'backtest-equity' ORDER BY "id"`)).map((row) => JSON.parse(row.ref) as { from_time: number; to_time: number });
    expect(refs).toHaveLength(Math.ceil(CANDLES / BACKTEST_REF_ROWS));
    expect(refs[0]).toEqual({ backtest_id: backtest.id, from_time: time[0], to_time: time[BACKTEST_REF_ROWS - 1] });
    expect(refs[refs.length - 1].to_time).toBe(time[CANDLES - 1]);

    const drainer = t.app.get(IndexingDrainer);
    const first = await drainer.drainBatch();
    // The drainer stops loading once it holds 20 000 documents, so a batch overshoots by one reference at most.
    expect(first.indexed).toBeGreaterThanOrEqual(20_000);
    expect(first.indexed).toBeLessThanOrEqual(20_000 + BACKTEST_REF_ROWS);
    expect(first.more).toBe(true);
    await drainUntilEmpty(t, 120_000);
    const ids = (await allIds(es, `${prefix}backtest-equity`)).sort();
    expect(ids).toEqual(Array.from(time, (value) => `${backtest.id}:${value}`).sort());
    expect(ids).toHaveLength(CANDLES);
    const doc = (await es.get<Record<string, unknown>>({ index: `${prefix}backtest-equity`, id: `${backtest.id}:${time[12_345]}` }))._source;
    expect(doc).toEqual({
      backtest_id: String(backtest.id), model_id: String(model.id), symbol: 'BTCUSDT', interval: '1h', time: time[12_345], equity: equity[12_345],
      buy_and_hold_equity: buyAndHold[12_345], drawdown: drawdown[12_345], in_sample: false,
    });
    expect((await allIds(es, `${prefix}backtest-trades`)).sort()).toEqual([`${backtest.id}:1`, `${backtest.id}:2`, `${backtest.id}:3`]);
    const trade = (await es.get<Record<string, unknown>>({ index: `${prefix}backtest-trades`, id: `${backtest.id}:3` }))._source;
    expect(trade).toMatchObject({ quantity: 0.12345678, exit_reason: 'end_of_data', entry_price: 102, entry_time: FROM + 20 * HOUR_MS });
  }, 150_000);

  it('trading-equity drawdown: a paged scan across accounts equals loading each point, and reindex answers the count', async () => {
    const store = t.app.get(TradingStore);
    // Accounts whose curves cross, so a peak carried from one account into the next would show; BTCUSDT is traded
    // on two intervals whose points share their times, so the ids must tell the accounts apart.
    const curves: Record<string, number[]> = {
      'BTCUSDT:1h': [100, 120, 90, 130, 65, 140],
      'ETHUSDT:1h': [1000, 800, 900, 1200, 600],
      'BTCUSDT:4h': [50, 40, 60],
    };
    await store.transaction(async (manager) => {
      for (const [account, values] of Object.entries(curves)) {
        const [symbol, interval] = account.split(':');
        for (const [k, value] of values.entries()) {
          await store.recordEquity({ mode: 'paper', symbol, interval, time: FROM + (k + 1) * HOUR_MS, equity: value, cash: value, positionValue: 0 }, manager);
        }
      }
    });
    const db = t.app.get(DataSource);
    const refs = (await db.query<{ ref: string }[]>(`SELECT "ref" FROM "index_outbox" WHERE "source" = 'trading-equity' ORDER BY "id"`)).map((row) => row.ref);
    expect(refs).toHaveLength(14);
    const loaded = (await TRADING_EQUITY_SOURCE.reader!.load(db, refs)).flat();
    const scanned: IndexDocument[] = [];
    for await (const page of TRADING_EQUITY_SOURCE.reader!.scan(db, 4)) scanned.push(...page);
    const byId = (docs: IndexDocument[]) => Object.fromEntries(docs.map((doc) => [doc.id, doc.body]));
    expect(Object.keys(byId(scanned))).toHaveLength(14);
    expect(byId(scanned)).toEqual(byId(loaded));
    const drawdowns = (account: string) => curves[account].map((_, k) => byId(scanned)[`paper:${account}:${FROM + (k + 1) * HOUR_MS}`].drawdown as number);
    expect(drawdowns('BTCUSDT:1h')).toEqual([0, 0, 1 - 90 / 120, 0, 0.5, 0]);
    expect(drawdowns('ETHUSDT:1h')).toEqual([0, 1 - 800 / 1000, 1 - 900 / 1000, 0, 0.5]);
    expect(drawdowns('BTCUSDT:4h')).toEqual([0, 1 - 40 / 50, 0]);

    await drainUntilEmpty(t);
    for (const index of ['trading-equity', 'backtest-trades', 'backtest-equity', 'orders']) {
      const before = (await allIds(es, `${prefix}${index}`)).sort();
      const response = await request(t.http).post('/api/indexing/reindex').set('x-api-key', API_KEY).send({ index }).expect(200);
      expect(response.body).toMatchObject({ index, documents: before.length, failed: 0 });
      expect([index, (await allIds(es, `${prefix}${index}`)).sort()]).toEqual([index, before]);
    }
  }, 120_000);
});
