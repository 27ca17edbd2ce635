/** Worker-thread entry of the backtest simulation (see backtest-in-worker.ts): a thin adapter around runBacktest. */
import { type BacktestResult, type CandleSeries, runBacktest, type RunOptions } from './engine/backtest-engine';

export interface BacktestTask {
  series: CandleSeries;
  signals: Int8Array;
  options: RunOptions & { momentumHorizon: number };
}

export function simulate(task: BacktestTask): BacktestResult {
  return runBacktest(task.series, task.signals, task.options);
}
