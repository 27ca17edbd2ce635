import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import { IndexOutbox } from '../indexing/index-outbox';
import type { JobLease } from '../platform/jobs';
import { backtestRefs } from '../indexing/sources/backtests.source';
import type { ClosedTrade } from '../trading/core';
import type { BacktestBaselines, BacktestMetrics, BacktestSummary, StrategySettings, SymbolRulesView } from './backtest-documents';
import { BacktestEntity } from './backtest.entity';
import { BacktestError, BacktestErrorCode } from './backtest.errors';
import { retryOnLockConflict } from '../platform/database/transient-errors';

const BATCH_ROWS = 1000;
const EQUITY_COLUMNS = ['backtest_id', 'time', 'equity', 'buy_and_hold_equity', 'drawdown'];
const TRADE_COLUMNS = [
  'backtest_id', 'seq', 'symbol', 'side', 'entry_time', 'exit_time', 'entry_price', 'exit_price', 'quantity', 'pnl', 'return_pct', 'fees',
  'exit_reason', 'candles_held',
];

export interface NewBacktest {
  modelId: number;
  symbol: string;
  interval: string;
  rangeStart: number;
  rangeEnd: number;
  feeRate: number;
  slippageBps: number;
  initialCapital: number;
  strategy: StrategySettings;
  symbolRules: SymbolRulesView;
}

export interface EquityRow {
  time: number;
  equity: number;
  buy_and_hold_equity: number;
  drawdown: number;
}

export interface TradeRow {
  seq: number;
  symbol: string;
  side: string;
  entry_time: number;
  exit_time: number;
  entry_price: number;
  exit_price: number;
  quantity: string;
  pnl: number;
  return_pct: number;
  fees: number;
  exit_reason: string;
  candles_held: number;
}

export interface BacktestResultRows {
  equity: { time: Float64Array; equity: Float64Array; buyAndHold: Float64Array; drawdown: Float64Array };
  trades: readonly ClosedTrade[];
  metrics: BacktestMetrics;
  baselines: BacktestBaselines;
  summary: BacktestSummary;
}

export interface BacktestListFilter {
  model_id?: number;
  symbol?: string;
  interval?: string;
  limit: number;
  cursor?: string;
}

/** Rows of `backtests`, `backtest_equity` and `backtest_trades`, in SQL that runs on MySQL 8, MariaDB and SQLite. */
@Injectable()
export class BacktestStore {
  private readonly mysql: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(BacktestEntity) private readonly backtests: Repository<BacktestEntity>,
    @Optional() private readonly outbox?: IndexOutbox,
  ) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  }

  create(backtest: NewBacktest): Promise<BacktestEntity> {
    return this.backtests.save(
      this.backtests.create({
        ...backtest,
        status: 'queued',
        stage: 'queued',
        summary: null,
        metrics: null,
        baselines: null,
        error: null,
        attempts: 0,
        owner: null,
        leaseUntil: null,
        createdAt: Date.now(),
        startedAt: null,
        finishedAt: null,
      }),
    );
  }

  async get(id: number): Promise<BacktestEntity> {
    const backtest = await this.backtests.findOneBy({ id });
    if (!backtest) throw new BacktestError(BacktestErrorCode.BacktestNotFound, `backtest ${id} does not exist`);
    return backtest;
  }

  /** Newest first; `next` is the id to pass as `cursor` for older ones. */
  async list(filter: BacktestListFilter): Promise<{ data: BacktestEntity[]; next: string | null }> {
    const builder = this.backtests.createQueryBuilder('b');
    if (filter.model_id !== undefined) builder.andWhere('b.modelId = :modelId', { modelId: filter.model_id });
    if (filter.symbol !== undefined) builder.andWhere('b.symbol = :symbol', { symbol: filter.symbol });
    if (filter.interval !== undefined) builder.andWhere('b.interval = :interval', { interval: filter.interval });
    if (filter.cursor !== undefined) builder.andWhere('b.id <= :cursor', { cursor: Number(filter.cursor) });
    const rows = await builder.orderBy('b.id', 'DESC').take(filter.limit + 1).getMany();
    const more = rows.length > filter.limit;
    return { data: more ? rows.slice(0, filter.limit) : rows, next: more ? String(rows[filter.limit].id) : null };
  }

  /** The writes of a running backtest (platform/jobs): each is guarded by the lease and throws JobLeaseLost once the job is not ours. */
  async markRunning(lease: JobLease): Promise<void> {
    const result = await this.backtests.update({ id: lease.id, owner: lease.owner }, { status: 'running', stage: 'starting', startedAt: Date.now(), error: null });
    lease.confirm(result.affected);
  }

  async markStage(lease: JobLease, stage: string): Promise<void> {
    const result = await this.backtests.update({ id: lease.id, owner: lease.owner }, { stage });
    lease.confirm(result.affected);
  }

  async markFailed(lease: JobLease, error: string): Promise<void> {
    const result = await this.backtests.update(
      { id: lease.id, owner: lease.owner },
      { status: 'failed', stage: 'failed', error: error.slice(0, 60_000), leaseUntil: null, finishedAt: Date.now() },
    );
    lease.confirm(result.affected);
  }

  /**
   * Writes the equity curve and trades (upserts on (backtest_id, time) and (backtest_id, seq), after removing rows a
   * previous interrupted attempt may have left) and marks the backtest completed, all in one transaction: a reader
   * sees either no result or the whole of it. The same transaction queues the Elasticsearch references (indices
   * `backtest-trades` and `backtest-equity`, one per chunk of 2000 rows: see indexing/sources/backtests.source.ts).
   * Nothing is written when another instance took the backtest over (JobLeaseLost): the claim is checked first, in the
   * transaction, so the rows of a run that lost its lease never mix with those of the run that took over.
   */
  async saveResult(lease: JobLease, result: BacktestResultRows): Promise<void> {
    const id = lease.id;
    await retryOnLockConflict(() =>
      this.dataSource.transaction(async (manager) => {
        const claimed = await manager.getRepository(BacktestEntity).update({ id, owner: lease.owner, status: 'running' }, { stage: 'saving' });
        lease.confirm(claimed.affected);
        await manager.query(`DELETE FROM ${this.q('backtest_equity')} WHERE ${this.q('backtest_id')} = ?`, [id]);
        await manager.query(`DELETE FROM ${this.q('backtest_trades')} WHERE ${this.q('backtest_id')} = ?`, [id]);
        const { time, equity, buyAndHold, drawdown } = result.equity;
        for (let offset = 0; offset < time.length; offset += BATCH_ROWS) {
          const end = Math.min(time.length, offset + BATCH_ROWS);
          const values: number[] = [];
          for (let i = offset; i < end; i++) values.push(id, time[i], equity[i], buyAndHold[i], drawdown[i]);
          await this.upsert(manager, 'backtest_equity', EQUITY_COLUMNS, ['backtest_id', 'time'], end - offset, values);
        }
        for (let offset = 0; offset < result.trades.length; offset += BATCH_ROWS) {
          const batch = result.trades.slice(offset, offset + BATCH_ROWS);
          const values = batch.flatMap((t, k) => [
            id, offset + k + 1, t.symbol, t.side, t.entryTime, t.exitTime, t.entryPrice, t.exitPrice, t.quantity, t.pnl, t.returnPct, t.fees,
            t.exitReason, t.candlesHeld,
          ]);
          await this.upsert(manager, 'backtest_trades', TRADE_COLUMNS, ['backtest_id', 'seq'], batch.length, values);
        }
        await manager.getRepository(BacktestEntity).update(
          { id },
          {
            status: 'completed',
            stage: 'completed',
            metrics: result.metrics,
            baselines: result.baselines,
            summary: result.summary,
            leaseUntil: null,
            finishedAt: Date.now(),
          },
        );
        if (this.outbox?.enabled) {
          const refs = backtestRefs(id, result.trades.length, time);
          await this.outbox.enqueue(manager, 'backtest-trades', refs.trades);
          await this.outbox.enqueue(manager, 'backtest-equity', refs.equity);
        }
      }),
    );
  }

  /** Oldest first; `next` is the time to pass as `cursor`. */
  async equityPage(id: number, limit: number, cursor?: string): Promise<{ data: EquityRow[]; next: string | null }> {
    const page = await this.equityRows(id, cursor === undefined ? 0 : Number(cursor), limit + 1);
    const more = page.length > limit;
    return { data: more ? page.slice(0, limit) : page, next: more ? String(page[limit].time) : null };
  }

  /** The whole curve, oldest first (for a thinned whole-curve view). */
  equityCurve(id: number): Promise<EquityRow[]> {
    return this.equityRows(id, 0, null);
  }

  private async equityRows(id: number, from: number, limit: number | null): Promise<EquityRow[]> {
    const rows = await this.dataSource.query<Record<string, number | string>[]>(
      `SELECT ${this.q('time')}, ${this.q('equity')}, ${this.q('buy_and_hold_equity')}, ${this.q('drawdown')} FROM ${this.q('backtest_equity')} ` +
        `WHERE ${this.q('backtest_id')} = ? AND ${this.q('time')} >= ? ORDER BY ${this.q('time')} ASC${limit === null ? '' : ' LIMIT ?'}`,
      limit === null ? [id, from] : [id, from, limit],
    );
    return rows.map((row) => ({
      time: Number(row.time),
      equity: Number(row.equity),
      buy_and_hold_equity: Number(row.buy_and_hold_equity),
      drawdown: Number(row.drawdown),
    }));
  }

  /** In order of entry; `next` is the sequence number to pass as `cursor`. */
  async tradesPage(id: number, limit: number, cursor?: string): Promise<{ data: TradeRow[]; next: string | null }> {
    const rows = await this.dataSource.query<Record<string, number | string>[]>(
      `SELECT ${TRADE_COLUMNS.slice(1).map((c) => this.q(c)).join(', ')} FROM ${this.q('backtest_trades')} ` +
        `WHERE ${this.q('backtest_id')} = ? AND ${this.q('seq')} >= ? ORDER BY ${this.q('seq')} ASC LIMIT ?`,
      [id, cursor === undefined ? 0 : Number(cursor), limit + 1],
    );
    const page = rows.map((row) => ({
      seq: Number(row.seq),
      symbol: String(row.symbol),
      side: String(row.side),
      entry_time: Number(row.entry_time),
      exit_time: Number(row.exit_time),
      entry_price: Number(row.entry_price),
      exit_price: Number(row.exit_price),
      quantity: eightDecimals(String(row.quantity)),
      pnl: Number(row.pnl),
      return_pct: Number(row.return_pct),
      fees: Number(row.fees),
      exit_reason: String(row.exit_reason),
      candles_held: Number(row.candles_held),
    }));
    const more = page.length > limit;
    return { data: more ? page.slice(0, limit) : page, next: more ? String(page[limit].seq) : null };
  }

  async countRows(id: number): Promise<{ equity: number; trades: number }> {
    const count = async (table: string) => {
      const [row] = await this.dataSource.query<{ n: number | string }[]>(
        `SELECT COUNT(*) AS n FROM ${this.q(table)} WHERE ${this.q('backtest_id')} = ?`,
        [id],
      );
      return Number(row.n);
    };
    return { equity: await count('backtest_equity'), trades: await count('backtest_trades') };
  }

  private async upsert(manager: EntityManager, table: string, columns: string[], key: string[], rows: number, values: unknown[]): Promise<void> {
    const tuple = `(${columns.map(() => '?').join(',')})`;
    const updated = columns.filter((c) => !key.includes(c));
    const head = `INSERT INTO ${this.q(table)} (${columns.map((c) => this.q(c)).join(',')}) VALUES ${Array.from({ length: rows }, () => tuple).join(',')}`;
    const tail = this.mysql
      ? ` ON DUPLICATE KEY UPDATE ${updated.map((c) => `${this.q(c)}=VALUES(${this.q(c)})`).join(',')}`
      : ` ON CONFLICT (${key.map((c) => this.q(c)).join(',')}) DO UPDATE SET ${updated.map((c) => `${this.q(c)}=excluded.${this.q(c)}`).join(',')}`;
    await manager.query(head + tail, values);
  }

  private q(name: string): string {
    return this.mysql ? `\`${name}\`` : `"${name}"`;
  }
}

/** MySQL returns DECIMAL(36,8) as "0.01234000"; SQLite keeps the text it was given (already eight decimals). */
function eightDecimals(text: string): string {
  const [whole, fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(8, '0').slice(0, 8)}`;
}
