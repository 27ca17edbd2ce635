import type { BacktestEntity } from './backtest.entity';
import type { EquityRow, TradeRow } from './backtest-store';
import type { BacktestResponse, EquityPointResponse, TradeResponse } from './dto/backtest.response';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function backtestView(b: BacktestEntity): BacktestResponse {
  return {
    id: b.id,
    status: b.status,
    stage: b.stage,
    model_id: b.modelId,
    symbol: b.symbol,
    interval: b.interval,
    start: b.rangeStart,
    end: b.rangeEnd,
    start_parsed: new Date(b.rangeStart).toISOString(),
    end_parsed: new Date(b.rangeEnd).toISOString(),
    fee_rate: b.feeRate,
    slippage_bps: b.slippageBps,
    initial_capital: b.initialCapital,
    strategy: b.strategy,
    symbol_rules: b.symbolRules,
    metrics: b.metrics,
    baselines: b.baselines,
    summary: b.summary as unknown as Record<string, unknown> | null,
    error: b.error,
    attempts: b.attempts,
    created_at: new Date(b.createdAt).toISOString(),
    started_at: iso(b.startedAt),
    finished_at: iso(b.finishedAt),
  };
}

export function equityView(row: EquityRow): EquityPointResponse {
  return { time: row.time, time_parsed: new Date(row.time).toISOString(), equity: row.equity, buy_and_hold_equity: row.buy_and_hold_equity, drawdown: row.drawdown };
}

export function tradeView(row: TradeRow): TradeResponse {
  return {
    seq: row.seq,
    symbol: row.symbol,
    side: row.side,
    entry_time: row.entry_time,
    entry_time_parsed: new Date(row.entry_time).toISOString(),
    exit_time: row.exit_time,
    exit_time_parsed: new Date(row.exit_time).toISOString(),
    entry_price: row.entry_price,
    exit_price: row.exit_price,
    quantity: row.quantity,
    pnl: row.pnl,
    return_pct: row.return_pct,
    fees: row.fees,
    exit_reason: row.exit_reason,
    candles_held: row.candles_held,
  };
}
