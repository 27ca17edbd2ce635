import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber, jsonText } from '../modelling/entity-columns';
import type { BacktestBaselines, BacktestMetrics, BacktestSummary, StrategySettings, SymbolRulesView } from './backtest-documents';

export const BACKTEST_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type BacktestStatus = (typeof BACKTEST_STATUSES)[number];

/** One backtest of a stored model over a range of stored klines, and its report. */
@Entity({ name: 'backtests' })
@Index('ix_backtests_model', ['modelId', 'id'])
@Index('ix_backtests_symbol_interval', ['symbol', 'interval', 'id'])
@Index('ix_backtests_status', ['status', 'id'])
export class BacktestEntity {
  @PrimaryColumn({ type: 'bigint', name: 'id', generated: 'increment', transformer: bigintAsNumber })
  id!: number;

  @Column({ type: 'bigint', name: 'model_id', transformer: bigintAsNumber })
  modelId!: number;

  @Column({ type: 'varchar', length: 20, name: 'symbol' })
  symbol!: string;

  @Column({ type: 'varchar', length: 3, name: 'interval' })
  interval!: string;

  @Column({ type: 'varchar', length: 16, name: 'status' })
  status!: BacktestStatus;

  @Column({ type: 'varchar', length: 255, name: 'stage', nullable: true })
  stage!: string | null;

  /** Open times (epoch ms) of the first and last candle of the range, inclusive. */
  @Column({ type: 'bigint', name: 'range_start', transformer: bigintAsNumber })
  rangeStart!: number;

  @Column({ type: 'bigint', name: 'range_end', transformer: bigintAsNumber })
  rangeEnd!: number;

  @Column({ type: 'double', name: 'fee_rate' })
  feeRate!: number;

  @Column({ type: 'double', name: 'slippage_bps' })
  slippageBps!: number;

  @Column({ type: 'double', name: 'initial_capital' })
  initialCapital!: number;

  @Column({ type: 'text', name: 'strategy', transformer: jsonText })
  strategy!: StrategySettings;

  @Column({ type: 'text', name: 'symbol_rules', transformer: jsonText })
  symbolRules!: SymbolRulesView;

  @Column({ type: 'text', name: 'summary', nullable: true, transformer: jsonText })
  summary!: BacktestSummary | null;

  @Column({ type: 'text', name: 'metrics', nullable: true, transformer: jsonText })
  metrics!: BacktestMetrics | null;

  @Column({ type: 'text', name: 'baselines', nullable: true, transformer: jsonText })
  baselines!: BacktestBaselines | null;

  @Column({ type: 'text', name: 'error', nullable: true })
  error!: string | null;

  /** Times an instance claimed the run (a run whose instance stopped is taken over, up to MAX_ATTEMPTS starts). */
  @Column({ type: 'int', name: 'attempts', default: 0 })
  attempts!: number;

  /** The app instance running the backtest and until when its claim holds (platform/jobs); null before the first claim. */
  @Column({ type: 'varchar', length: 100, name: 'owner', nullable: true })
  owner!: string | null;

  @Column({ type: 'bigint', name: 'lease_until', nullable: true, transformer: bigintAsNumber })
  leaseUntil!: number | null;

  @Column({ type: 'bigint', name: 'created_at', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ type: 'bigint', name: 'started_at', nullable: true, transformer: bigintAsNumber })
  startedAt!: number | null;

  @Column({ type: 'bigint', name: 'finished_at', nullable: true, transformer: bigintAsNumber })
  finishedAt!: number | null;
}
