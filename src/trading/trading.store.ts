import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In, LessThanOrEqual, MoreThanOrEqual, Not } from 'typeorm';
import { IndexOutbox } from '../indexing/index-outbox';
import type { OrderRef, TradingEquityRef } from '../indexing/sources/trading.source';
import type { ClosedTrade, Fill } from './core';
import {
  OPEN_ORDER_STATUSES,
  TradingAccountEntity,
  TradingControlEntity,
  TradingEquityEntity,
  TradingFillEntity,
  TradingOrderEntity,
  type TradingMode,
  TradingTradeEntity,
} from './trading.entities';

const CONTROL_ID = 'global';

export interface Page<T> {
  data: T[];
  next: string | null;
}

/**
 * Reads and writes of the trading tables; every write that belongs to one candle goes through one EntityManager.
 * Every write of an order row (new, filled, rejected, cancelled, reconciled) and of an equity point queues its
 * Elasticsearch reference (indices `orders`, `trading-equity`) in the same transaction, so the index ends up with
 * each order's final state.
 */
@Injectable()
export class TradingStore {
  constructor(
    @InjectDataSource() readonly dataSource: DataSource,
    @Optional() private readonly outbox?: IndexOutbox,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  account(mode: TradingMode, symbol: string, interval: string, manager: EntityManager = this.dataSource.manager): Promise<TradingAccountEntity | null> {
    return manager.getRepository(TradingAccountEntity).findOneBy({ mode, symbol, interval });
  }

  accounts(mode: TradingMode): Promise<TradingAccountEntity[]> {
    return this.dataSource.getRepository(TradingAccountEntity).find({ where: { mode }, order: { symbol: 'ASC', interval: 'ASC' } });
  }

  async saveAccount(account: TradingAccountEntity, manager: EntityManager): Promise<void> {
    await manager.getRepository(TradingAccountEntity).save(account);
  }

  order(mode: TradingMode, clientOrderId: string, manager: EntityManager = this.dataSource.manager): Promise<TradingOrderEntity | null> {
    return manager.getRepository(TradingOrderEntity).findOneBy({ mode, clientOrderId });
  }

  openOrders(mode: TradingMode): Promise<TradingOrderEntity[]> {
    return this.dataSource.getRepository(TradingOrderEntity).find({ where: { mode, status: In([...OPEN_ORDER_STATUSES]) }, order: { id: 'ASC' } });
  }

  async insertOrder(order: Omit<TradingOrderEntity, 'id'>, manager: EntityManager): Promise<TradingOrderEntity> {
    const saved = await manager.getRepository(TradingOrderEntity).save(manager.getRepository(TradingOrderEntity).create(order));
    await this.enqueueOrder(order.mode, order.clientOrderId, manager);
    return saved;
  }

  async updateOrder(
    mode: TradingMode,
    clientOrderId: string,
    changes: Partial<Pick<TradingOrderEntity, 'status' | 'exchangeOrderId' | 'filledQuantity' | 'avgFillPrice' | 'fee' | 'error' | 'quantity'>>,
    manager?: EntityManager,
  ): Promise<void> {
    const write = async (em: EntityManager) => {
      await em.getRepository(TradingOrderEntity).update({ mode, clientOrderId }, { ...changes, updatedAt: Date.now() });
      await this.enqueueOrder(mode, clientOrderId, em);
    };
    // Outside a caller's transaction the update and its outbox reference still commit together.
    if (manager !== undefined) await write(manager);
    else if (this.outbox?.enabled) await this.dataSource.transaction(write);
    else await write(this.dataSource.manager);
  }

  private async enqueueOrder(mode: TradingMode, clientOrderId: string, manager: EntityManager): Promise<void> {
    if (!this.outbox?.enabled) return;
    const ref: OrderRef = { mode, client_order_id: clientOrderId };
    await this.outbox.enqueue(manager, 'orders', [ref]);
  }

  /** Books one fill of an order: the fill row (unique per trade id, so a repeat is a no-op) and the order's totals. */
  async recordFill(
    mode: TradingMode,
    interval: string,
    clientOrderId: string,
    fill: Fill,
    execution: { tradeId: string; feeAsset: string; exchangeOrderId: string | null },
    manager: EntityManager,
  ): Promise<void> {
    const fills = manager.getRepository(TradingFillEntity);
    if ((await fills.countBy({ mode, clientOrderId, tradeId: execution.tradeId })) === 0) {
      await fills.insert({
        mode,
        clientOrderId,
        tradeId: execution.tradeId,
        symbol: fill.symbol,
        interval,
        side: fill.side,
        reason: fill.reason,
        price: fill.price,
        quantity: fill.quantity,
        notional: fill.notional,
        fee: fill.fee,
        feeAsset: execution.feeAsset,
        time: fill.time,
      });
    }
    await this.updateOrder(
      mode,
      clientOrderId,
      { status: 'FILLED', filledQuantity: fill.quantity, avgFillPrice: fill.price, fee: fill.fee, quantity: fill.quantity, exchangeOrderId: execution.exchangeOrderId },
      manager,
    );
  }

  async recordTrade(mode: TradingMode, interval: string, trade: ClosedTrade, manager: EntityManager): Promise<void> {
    await manager.getRepository(TradingTradeEntity).save({
      mode,
      symbol: trade.symbol,
      interval,
      entryTime: trade.entryTime,
      exitTime: trade.exitTime,
      entryPrice: trade.entryPrice,
      exitPrice: trade.exitPrice,
      quantity: trade.quantity,
      pnl: trade.pnl,
      returnPct: trade.returnPct,
      fees: trade.fees,
      exitReason: trade.exitReason,
    });
  }

  async recordEquity(row: TradingEquityEntity, manager: EntityManager): Promise<void> {
    await manager.getRepository(TradingEquityEntity).save(row);
    if (this.outbox?.enabled) {
      const ref: TradingEquityRef = { mode: row.mode, symbol: row.symbol, interval: row.interval, time: row.time };
      await this.outbox.enqueue(manager, 'trading-equity', [ref]);
    }
  }

  /** Equity at the last close at or before `time`, or null. */
  async equityAtOrBefore(mode: TradingMode, symbol: string, interval: string, time: number, manager: EntityManager): Promise<number | null> {
    const row = await manager.getRepository(TradingEquityEntity).findOne({ where: { mode, symbol, interval, time: LessThanOrEqual(time) }, order: { time: 'DESC' } });
    return row?.equity ?? null;
  }

  /** Equity at the first close at or after `time`, or null. */
  async equityAtOrAfter(mode: TradingMode, symbol: string, interval: string, time: number, manager: EntityManager): Promise<number | null> {
    const row = await manager.getRepository(TradingEquityEntity).findOne({ where: { mode, symbol, interval, time: MoreThanOrEqual(time) }, order: { time: 'ASC' } });
    return row?.equity ?? null;
  }

  /** Orders (of any symbol) decided at candles opening at or after `since`, except those refused before sending. */
  countOrdersDecidedSince(mode: TradingMode, since: number, manager: EntityManager): Promise<number> {
    return manager.getRepository(TradingOrderEntity).countBy({ mode, decidedAt: MoreThanOrEqual(since), status: Not('REJECTED') });
  }

  async isKilled(): Promise<{ killed: boolean; reason: string | null; changedAt: number | null }> {
    const row = await this.dataSource.getRepository(TradingControlEntity).findOneBy({ id: CONTROL_ID });
    return { killed: row?.killed ?? false, reason: row?.reason ?? null, changedAt: row?.changedAt ?? null };
  }

  async setKilled(killed: boolean, reason: string | null): Promise<void> {
    await this.dataSource.getRepository(TradingControlEntity).save({ id: CONTROL_ID, killed, reason, changedAt: Date.now() });
  }

  /** Newest first by id; `cursor` is the id to continue below. */
  listOrders(mode: TradingMode, symbol: string | undefined, limit: number, cursor: number | undefined): Promise<Page<TradingOrderEntity>> {
    return this.newestFirst(TradingOrderEntity, mode, symbol, limit, cursor);
  }

  listFills(mode: TradingMode, symbol: string | undefined, limit: number, cursor: number | undefined): Promise<Page<TradingFillEntity>> {
    return this.newestFirst(TradingFillEntity, mode, symbol, limit, cursor);
  }

  private async newestFirst<T extends TradingOrderEntity | TradingFillEntity>(
    entity: new () => T,
    mode: TradingMode,
    symbol: string | undefined,
    limit: number,
    cursor: number | undefined,
  ): Promise<Page<T>> {
    const builder = this.dataSource.getRepository(entity).createQueryBuilder('r').where('r.mode = :mode', { mode });
    if (symbol !== undefined) builder.andWhere('r.symbol = :symbol', { symbol });
    if (cursor !== undefined) builder.andWhere('r.id <= :cursor', { cursor });
    const rows = await builder.orderBy('r.id', 'DESC').take(limit + 1).getMany();
    return pageOf(rows, limit, (row) => String(row.id));
  }

  async listTrades(mode: TradingMode, symbol: string, interval: string): Promise<TradingTradeEntity[]> {
    return this.dataSource.getRepository(TradingTradeEntity).find({ where: { mode, symbol, interval }, order: { entryTime: 'ASC' } });
  }

  /** Oldest first; `cursor` is `<time>-<symbol>-<interval>` of the first row of the next page. */
  /** Every equity point of one account in [start, end], oldest first (for a thinned whole-curve view). */
  async equityCurve(mode: TradingMode, symbol: string, interval: string, start?: number, end?: number): Promise<TradingEquityEntity[]> {
    return this.dataSource
      .getRepository(TradingEquityEntity)
      .createQueryBuilder('e')
      .where('e.mode = :mode AND e.symbol = :symbol AND e.interval = :interval', { mode, symbol, interval })
      .andWhere('e.time >= :start AND e.time <= :end', { start: start ?? 0, end: end ?? Number.MAX_SAFE_INTEGER })
      .orderBy('e.time', 'ASC')
      .getMany();
  }

  async listEquity(
    mode: TradingMode,
    query: { symbol?: string; interval?: string; start?: number; end?: number; limit: number; cursor?: string },
  ): Promise<Page<TradingEquityEntity>> {
    const builder = this.dataSource
      .getRepository(TradingEquityEntity)
      .createQueryBuilder('e')
      .where('e.mode = :mode', { mode })
      .andWhere('e.time >= :start AND e.time <= :end', { start: query.start ?? 0, end: query.end ?? Number.MAX_SAFE_INTEGER });
    if (query.symbol !== undefined) builder.andWhere('e.symbol = :symbol', { symbol: query.symbol });
    if (query.interval !== undefined) builder.andWhere('e.interval = :interval', { interval: query.interval });
    if (query.cursor !== undefined) {
      const [time, symbol, interval] = query.cursor.split('-');
      builder.andWhere(
        '(e.time > :time OR (e.time = :time AND (e.symbol > :csymbol OR (e.symbol = :csymbol AND e.interval >= :cinterval))))',
        { time: Number(time), csymbol: symbol, cinterval: interval },
      );
    }
    const rows = await builder.orderBy('e.time', 'ASC').addOrderBy('e.symbol', 'ASC').addOrderBy('e.interval', 'ASC').take(query.limit + 1).getMany();
    return pageOf(rows, query.limit, (row) => `${row.time}-${row.symbol}-${row.interval}`);
  }
}

function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => string): Page<T> {
  const hasMore = rows.length > limit;
  return { data: hasMore ? rows.slice(0, limit) : rows, next: hasMore ? cursorOf(rows[limit]) : null };
}
