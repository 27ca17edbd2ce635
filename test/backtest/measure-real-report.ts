/**
 * Measures the out-of-sample report of README's "measured backtest": a model trained with default parameters on the
 * 2022-09-23 07:00 → 2024-09-22 05:00 stretch of the real BTCUSDT 1h klines, backtested on the next stretch
 * 2024-11-01 00:00 → 2025-09-21 01:00 (no overlap; October 2024 is missing from the shared data), with and without
 * stops, and on the last stretch 2026-01-27 18:00 → 2026-07-26 16:00. Runs the real app on
 * a throw-away MariaDB database and prints the report and its baselines as JSON.
 *
 *   npm run build && OPA_SHARED_DATA=/work/shared/data node dist/test/backtest/measure-real-report.js
 */
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { freshMysqlDatabase } from '../support/test-database';
import { startTestApp } from '../support/test-app';
import { importSharedCandles, waitForBacktest } from './backtest-fixtures';

const TRAIN = { start: Date.UTC(2022, 8, 23, 7), end: Date.UTC(2024, 8, 22, 5) };
const TEST = { start: Date.UTC(2024, 10, 1), end: Date.UTC(2025, 8, 21, 1) };
/** The last stretch of the shared file, further out of sample. */
const LATER = { start: Date.UTC(2026, 0, 27, 18), end: Date.UTC(2026, 6, 26, 16) };

async function main(): Promise<void> {
  const logger = new Logger('measure-real-report');
  const t = await startTestApp({ DATABASE_URL: await freshMysqlDatabase('real_report'), MODEL_PREDICT_CRON: 'off', INGESTION_ENABLED: 'false' });
  try {
    await importSharedCandles(t, TRAIN.start, LATER.end);
    const created = await request(t.http).post('/api/models').send({ symbol: 'BTCUSDT', interval: '1h', ...TRAIN }).expect(202);
    const modelId = (created.body as { id: number }).id;
    const started = Date.now();
    let model: { status: string; error: string | null; metrics: { roc_auc: number; accuracy: number } | null };
    for (;;) {
      model = (await request(t.http).get(`/api/models/${modelId}`).expect(200)).body as typeof model;
      if (model.status === 'ready' || model.status === 'failed') break;
      await new Promise((done) => setTimeout(done, 1000));
    }
    if (model.status !== 'ready') throw new Error(`training failed: ${model.error}`);
    const trainingS = (Date.now() - started) / 1000;
    const runs: Record<string, unknown> = {};
    for (const [name, body] of Object.entries({
      default: { ...TEST },
      stop_loss_2pct_take_profit_4pct: { ...TEST, strategy: { stop_loss: 0.02, take_profit: 0.04 } },
      later_stretch_2026: { ...LATER },
      // Not a tradable result: the same signals without fee and slippage, to show how much of the loss is costs.
      default_without_costs: { ...TEST, fee_rate: 0, slippage_bps: 0 },
    })) {
      const backtest = await request(t.http).post('/api/backtests').send({ model_id: modelId, ...body }).expect(202);
      const { backtest: done } = await waitForBacktest(t.http, (backtest.body as { id: number }).id, 600_000);
      runs[name] = { status: done.status, error: done.error, summary: done.summary, metrics: done.metrics, baselines: done.baselines };
    }
    process.stdout.write(
      `${JSON.stringify({ model_id: modelId, training_s: trainingS, walk_forward: { roc_auc: model.metrics?.roc_auc, accuracy: model.metrics?.accuracy }, train: TRAIN, test: TEST, later: LATER, runs }, null, 2)}\n`,
    );
  } catch (error) {
    logger.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  } finally {
    await t.close();
  }
}

void main();
