import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { IngestionSyncService } from '../../src/ingestion/sync/ingestion-sync.service';
import { type FakeBinance, type FakeCandle, startFakeBinance } from '../fake-binance/fake-binance-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { freshMysqlDatabase } from '../support/test-database';
import { BTCUSDT_1H_CSV, btcusdt1h, differences, duplicateCount, ingestionEnvironment, storedKlines } from './ingestion-support';

const HOUR = 3_600_000;
const NOON = Date.UTC(2024, 5, 1, 12);

describe('scheduled sync stores only closed candles', () => {
  let fake: FakeBinance;
  let t: TestApp;
  let databaseUrl: string;
  let sync: IngestionSyncService;
  let candles: FakeCandle[];

  const expectStoredUpTo = async (lastOpen: number, first: number) => {
    const stored = await storedKlines(databaseUrl, 'BTCUSDT', '1h');
    expect(stored.at(-1)?.open_time).toBe(lastOpen);
    expect(differences(stored, candles.filter((candle) => candle.openTime >= first && candle.openTime <= lastOpen))).toEqual([]);
  };

  beforeAll(async () => {
    candles = await btcusdt1h();
    fake = await startFakeBinance({
      markets: [{ symbol: 'BTCUSDT', interval: '1h', csvPath: BTCUSDT_1H_CSV }],
      now: () => NOON + 30 * 60_000,
      failOnBudgetExceeded: true,
    });
    databaseUrl = await freshMysqlDatabase('ingest_sync');
    t = await startTestApp(
      ingestionEnvironment(fake.url, databaseUrl, { SYMBOLS: 'BTCUSDT,NOPEUSDT', INGESTION_SYNC_INITIAL_CANDLES: '48' }),
    );
    sync = t.app.get(IngestionSyncService);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('first sync: the last 48 closed candles; the candle open at 12:30 is not stored; unlisted symbols are skipped', async () => {
    const summary = await sync.syncAll();
    expect(summary).toMatchObject({ pairs: 1, stored: 48, failedPairs: 0, invalidSymbols: ['NOPEUSDT'] });
    await expectStoredUpTo(NOON - HOUR, NOON - 48 * HOUR);
    const status = await request(t.http).get('/api/ingestion/status').expect(200);
    expect(status.body).toMatchObject({ leader: true, invalid_symbols: ['NOPEUSDT'], pairs: ['BTCUSDT 1h', 'NOPEUSDT 1h'] });
  });

  it('one millisecond before the 12:00 candle closes it is still not stored; at 13:00 it is, with its final values', async () => {
    fake.setNow(NOON + HOUR - 1);
    expect((await sync.syncAll()).stored).toBe(0);
    await expectStoredUpTo(NOON - HOUR, NOON - 48 * HOUR);

    fake.setNow(NOON + HOUR);
    expect((await sync.syncAll()).stored).toBe(1);
    await expectStoredUpTo(NOON, NOON - 48 * HOUR);

    fake.setNow(NOON + 3 * HOUR + 10 * 60_000);
    expect((await sync.syncAll()).stored).toBe(2);
    await expectStoredUpTo(NOON + 2 * HOUR, NOON - 48 * HOUR);
    expect(await duplicateCount(databaseUrl)).toBe(0);
  });

  it('repairs a candle lost from the table within the repair window', async () => {
    const connection = await createConnection(databaseUrl);
    try {
      await connection.query('DELETE FROM klines WHERE symbol = ? AND `interval` = ? AND open_time IN (?, ?)', ['BTCUSDT', '1h', NOON - 5 * HOUR, NOON - 6 * HOUR]);
    } finally {
      await connection.end();
    }
    expect((await sync.syncAll()).stored).toBe(2);
    await expectStoredUpTo(NOON + 2 * HOUR, NOON - 48 * HOUR);
    expect(fake.stats.budgetExceeded).toBe(false);
  });
});
