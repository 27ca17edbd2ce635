import * as path from 'node:path';
import { lazyWorkerPool, runWorkerTask } from '../common/workers/worker-pool';
import type { BacktestResult, CandleSeries, RunOptions } from './engine/backtest-engine';
import type { BacktestTask } from './backtest.worker';

// One thread: backtests run one at a time.
const backtestPool = lazyWorkerPool(path.join(__dirname, 'backtest.worker'), { handler: 'simulate', maxThreads: 1 });

/**
 * runBacktest in a worker thread, so a long simulation leaves the event loop free. The inputs are copied (the caller
 * keeps using them); the result is the same structure runBacktest returns.
 */
export function runBacktestInWorker(series: CandleSeries, modelSignals: Int8Array, options: RunOptions & { momentumHorizon: number }): Promise<BacktestResult> {
  const task: BacktestTask = { series, signals: modelSignals, options };
  return runWorkerTask<BacktestResult>(backtestPool(), task);
}
