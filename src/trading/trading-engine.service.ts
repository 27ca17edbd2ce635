import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { type BinanceInterval, fixedIntervalMs } from '../market-data/binance-interval';
import { KlineRepository } from '../market-data/kline.repository';
import { ModelRegistryService } from '../modelling/model-registry.service';
import { PredictionEntity } from '../modelling/prediction.entity';
import {
  applyFill,
  type CoreCandle,
  createStrategyState,
  decide,
  defaultSymbolRules,
  emptyStepEvents,
  equityAt,
  fillMarketOrder,
  formatUnits,
  isFill,
  mayDecide,
  type OrderIntent,
  passCandle,
  rejectPending,
  type SimulatedMarket,
  stepCandle,
  type StepEvents,
  stepStaleCandle,
  type StrategyState,
  type SymbolRules,
  symbolRulesFromFilters,
  type TradeSignal,
} from './core';
import { clientOrderIdFor } from './live/client-order-id';
import { assetsOf, fillFromExchange } from './live/exchange-fill';
import { ExchangeError, type ExchangeOrder, SPOT_EXCHANGE_CLIENT, type SpotExchangeClient } from './live/spot-exchange.client';
import { decodeState, encodeState } from './strategy-state-codec';
import { TradingAccountEntity, type TradingMode, type TradingOrderEntity, type TradingOrderStatus } from './trading.entities';
import { TRADING_SETTINGS, type TradingSettings } from './trading.settings';
import { TradingStore } from './trading.store';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Candles read per page while a run catches up an account. */
export const MAX_CATCH_UP_CANDLES = 1000;

export interface AccountRunSummary {
  symbol: string;
  interval: string;
  model_id: number;
  candles: number;
  /** Of those, candles too old to decide (TRADING_MAX_SIGNAL_AGE): recorded for equity only. */
  stale_candles: number;
  orders: number;
  fills: number;
}

/**
 * Paper and live trading on the active model's predictions, through ONE strategy path: trading/core's decide /
 * applyFill (and, for paper, stepCandle, the very function backtests loop over). Each newly closed candle of a pair
 * with an active model is processed once, in time order, in one transaction with everything it causes (orders,
 * fills, round trips, equity, the strategy state and the last processed candle), so a restart neither replays nor
 * loses a candle.
 * - Paper: the order decided at the close of candle t fills at candle t+1's open via the core's fill model (fee,
 *   slippage, lot rules), exactly as in a backtest.
 * - Live: the order is stored (PENDING_NEW, with a client id derived from the decision) before it is sent as a
 *   MARKET order right after t's close; the exchange's fill is booked with applyFill. Orders whose outcome is not
 *   known (network failure, restart) are reconciled by client id at the start of every run.
 * Risk limits are checked before every order; the kill switch stops everything (see TradingControlService).
 */
@Injectable()
export class TradingEngine {
  private readonly logger = new Logger(TradingEngine.name);
  private readonly rulesCache = new Map<string, SymbolRules>();

  constructor(
    @Inject(TRADING_SETTINGS) private readonly settings: TradingSettings,
    private readonly store: TradingStore,
    private readonly klines: KlineRepository,
    private readonly registry: ModelRegistryService,
    @InjectRepository(PredictionEntity) private readonly predictions: Repository<PredictionEntity>,
    @Optional() @Inject(SPOT_EXCHANGE_CLIENT) private readonly exchange: SpotExchangeClient | null,
  ) {}

  get mode(): TradingMode {
    return this.settings.mode;
  }

  /** One trading step: reconcile live orders, then every new closed candle of every active pair. */
  async runOnce(now = Date.now()): Promise<AccountRunSummary[]> {
    if ((await this.store.isKilled()).killed) return [];
    if (this.mode === 'live') await this.reconcileOpenOrders(now, { resend: true });
    const summaries: AccountRunSummary[] = [];
    for (const active of await this.registry.activeModels()) {
      if (!this.settings.symbols.includes(active.symbol)) continue;
      try {
        const summary = await this.runAccount(active.symbol, active.interval, active.modelId, now);
        if (summary !== null) summaries.push(summary);
      } catch (error) {
        this.logger.error(`${this.mode} ${active.symbol} ${active.interval}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return summaries;
  }

  /**
   * Live: every stored order that is not final is looked up by its client id and booked (filled, still open,
   * cancelled/expired). One the exchange has never seen is sent again with the same id while its decision is fresh
   * (before the candle after the next one closes) when `resend`, else dropped (EXPIRED, or CANCELED by the kill switch).
   */
  async reconcileOpenOrders(now: number, options: { resend: boolean; cancelledBecause?: string }): Promise<number> {
    const exchange = this.requireExchange();
    let settled = 0;
    for (const row of await this.store.openOrders('live')) {
      const intervalMs = fixedIntervalMs(row.interval as BinanceInterval) ?? HOUR_MS;
      let found: ExchangeOrder | null;
      try {
        found = await exchange.findOrder(row.symbol, row.clientOrderId);
      } catch (error) {
        this.logger.warn(`live ${row.symbol} ${row.clientOrderId}: lookup failed, will retry: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (found !== null) {
        await this.settleLiveOrder(row, found);
        settled++;
        continue;
      }
      const fresh = now < row.decidedAt + 3 * intervalMs;
      if (options.resend && fresh && options.cancelledBecause === undefined) {
        this.logger.warn(`live ${row.symbol} ${row.clientOrderId}: the exchange does not know this order; sending it (same client id)`);
        await this.sendLiveOrder(row);
      } else {
        await this.dropPending(row, options.cancelledBecause !== undefined ? 'CANCELED' : 'EXPIRED', options.cancelledBecause ?? 'never reached the exchange in time');
      }
      settled++;
    }
    return settled;
  }

  /** Paper: cancel every order waiting for the next open. Returns them. */
  async cancelPaperOrders(reason: string): Promise<TradingOrderEntity[]> {
    const open = await this.store.openOrders('paper');
    for (const row of open) await this.dropPending(row, 'CANCELED', reason);
    return open;
  }

  private async runAccount(symbol: string, interval: string, modelId: number, now: number): Promise<AccountRunSummary | null> {
    const intervalMs = fixedIntervalMs(interval as BinanceInterval);
    if (intervalMs === null) return null;
    const maxAgeMs = this.settings.maxSignalAgeMs ?? intervalMs;
    const lastClosedOpen = now - intervalMs;
    const account = (await this.store.account(this.mode, symbol, interval)) ?? (await this.openAccount(symbol, interval, modelId, intervalMs, now));
    const summary: AccountRunSummary = { symbol, interval, model_id: modelId, candles: 0, stale_candles: 0, orders: 0, fills: 0 };
    const rules = await this.rulesFor(symbol);
    const stale = { from: 0, to: 0 };
    // Page through every candle closed since the last run: the too-old ones only for equity (however many an outage
    // left), the fresh ones one by one with their decisions.
    for (;;) {
      const from = (account.lastCandleOpenTime ?? -1) + 1;
      const views = await this.klines.find(symbol, interval, from, lastClosedOpen, MAX_CATCH_UP_CANDLES);
      if (views.length === 0 || (await this.store.isKilled()).killed) break;
      const candles = views.map(toCoreCandle);
      // Candle age only falls along the page, so the fresh candles are a suffix of it.
      const firstFresh = candles.findIndex((candle) => mayDecide(candle.openTime, intervalMs, now, maxAgeMs));
      const tooOld = firstFresh === -1 ? candles : candles.slice(0, firstFresh);
      if (tooOld.length > 0) {
        summary.fills += await this.passStaleCandles(account, tooOld, modelId, intervalMs, rules);
        summary.candles += tooOld.length;
        summary.stale_candles += tooOld.length;
        if (summary.stale_candles === tooOld.length) stale.from = tooOld[0].openTime;
        stale.to = tooOld[tooOld.length - 1].openTime;
      }
      if (firstFresh !== -1) {
        const fresh = candles.slice(firstFresh);
        const signals = await this.signalsFor(modelId, fresh[0].openTime, fresh[fresh.length - 1].openTime);
        for (const candle of fresh) {
          if ((await this.store.isKilled()).killed) break;
          const result = await this.processCandle(account, candle, signals.get(candle.openTime) ?? null, modelId, intervalMs, rules);
          summary.candles++;
          summary.orders += result.orders;
          summary.fills += result.fills;
        }
      }
      if (views.length < MAX_CATCH_UP_CANDLES) break;
    }
    if (summary.candles === 0) return null;
    if (summary.stale_candles > 0) {
      this.logger.warn(
        `${this.mode} ${symbol} ${interval}: ${summary.stale_candles} candle(s) from ${new Date(stale.from).toISOString()} to ${new Date(stale.to).toISOString()} ` +
          `closed more than ${Math.round(maxAgeMs / 1000)} s before this run (TRADING_MAX_SIGNAL_AGE): recorded for equity, no order decided on them`,
      );
    }
    if (summary.orders > 0 || summary.fills > 0) {
      this.logger.log(`${this.mode} ${symbol} ${interval}: ${summary.candles} candle(s), ${summary.orders} order(s), ${summary.fills} fill(s)`);
    }
    return summary;
  }

  /**
   * First run of a pair: trading starts at the newest candle closed by `now` (its open time lies in
   * (now − 2·interval, now − interval]), whatever history or predictions exist: history is never replayed into orders.
   */
  private async openAccount(symbol: string, interval: string, modelId: number, intervalMs: number, now: number): Promise<TradingAccountEntity> {
    const cash = this.mode === 'paper' ? this.settings.paperInitialCash : await this.liveStartingCash(symbol);
    const account = Object.assign(new TradingAccountEntity(), {
      mode: this.mode,
      symbol,
      interval,
      modelId,
      state: encodeState(createStrategyState(symbol, cash)),
      lastCandleOpenTime: now - 2 * intervalMs,
      staleCandles: 0,
      lastStaleFrom: null,
      lastStaleTo: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.store.transaction((manager) => this.store.saveAccount(account, manager));
    this.logger.log(`${this.mode} ${symbol} ${interval}: trading from the candle that closed last before ${new Date(now).toISOString()} with ${cash} ${assetsOf(symbol).quote}`);
    return account;
  }

  /**
   * Candles too old to decide (TRADING_MAX_SIGNAL_AGE), in one transaction: paper's pending order still fills at the
   * first one's open (it was decided on a fresh candle), equity is recorded at each close, nothing is decided; the
   * account moves past them and counts them. Returns the fills booked.
   */
  private async passStaleCandles(account: TradingAccountEntity, candles: CoreCandle[], modelId: number, intervalMs: number, rules: SymbolRules): Promise<number> {
    return this.store.transaction(async (manager) => {
      const state = decodeState(account.state);
      const events = emptyStepEvents();
      const market: SimulatedMarket = { rules, fill: this.settings.fill };
      let fills = 0;
      for (const candle of candles) {
        if (this.mode === 'paper') {
          const pending = state.pending;
          stepStaleCandle(state, candle, market, events);
          fills += await this.bookSimulatedStep(account, pending, events, manager);
        } else {
          passCandle(state, candle);
        }
        await this.recordEquity(account, state, candle, intervalMs, manager);
      }
      const first = candles[0].openTime;
      const last = candles[candles.length - 1].openTime;
      const continuesLastRun = account.lastStaleTo !== null && account.lastStaleTo === first - intervalMs;
      account.lastStaleFrom = continuesLastRun ? account.lastStaleFrom : first;
      account.lastStaleTo = last;
      account.staleCandles += candles.length;
      account.state = encodeState(state);
      account.lastCandleOpenTime = last;
      account.modelId = modelId;
      account.updatedAt = Date.now();
      await this.store.saveAccount(account, manager);
      return fills;
    });
  }

  /** Live: the free quote balance, shared equally by the traded symbols that use that quote asset. */
  private async liveStartingCash(symbol: string): Promise<number> {
    const { quote } = assetsOf(symbol);
    const balances = await this.requireExchange().balances();
    const sharing = this.settings.symbols.filter((candidate) => assetsOf(candidate).quote === quote).length;
    return Number(balances[quote]?.free ?? '0') / Math.max(1, sharing);
  }

  private async processCandle(
    account: TradingAccountEntity,
    candle: CoreCandle,
    signal: TradeSignal | null,
    modelId: number,
    intervalMs: number,
    rules: SymbolRules,
  ): Promise<{ orders: number; fills: number }> {
    const mode = this.mode;
    const { symbol, interval } = account;
    let toSend: TradingOrderEntity | null = null;
    const counts = await this.store.transaction(async (manager) => {
      const state = decodeState(account.state);
      let fills = 0;
      let intent: OrderIntent | null;
      if (mode === 'paper') {
        const pending = state.pending;
        const market: SimulatedMarket = { rules, fill: this.settings.fill };
        const events = stepCandle(state, candle, signal, this.settings.strategy, market, emptyStepEvents());
        fills += await this.bookSimulatedStep(account, pending, events, manager);
        intent = events.intent;
      } else {
        intent = decide(state, candle, signal, this.settings.strategy);
      }
      let orders = 0;
      if (intent !== null) {
        const refusal = (await this.riskRefusal(account, state, intent, candle, intervalMs, manager)) ?? this.ruleRefusal(mode, intent, candle, rules);
        const row = await this.store.insertOrder(
          {
            mode,
            clientOrderId: this.clientOrderId(symbol, interval, intent),
            exchangeOrderId: null,
            symbol,
            interval,
            side: intent.side,
            type: 'MARKET',
            reason: intent.reason,
            status: refusal === null ? (mode === 'paper' ? 'NEW' : 'PENDING_NEW') : 'REJECTED',
            quantity: intent.side === 'SELL' ? formatUnits(intent.quantityUnits) : null,
            quoteBudget: intent.side === 'BUY' ? intent.quoteBudget : null,
            filledQuantity: '0.00000000',
            avgFillPrice: null,
            fee: 0,
            decidedAt: intent.decidedAt,
            modelId,
            error: refusal,
            createdAt: Date.now(),
            updatedAt: Date.now(),
          },
          manager,
        );
        if (refusal !== null) {
          rejectPending(state);
          this.logger.warn(`${mode} ${symbol} ${interval}: ${intent.side} at ${new Date(candle.openTime).toISOString()} refused: ${refusal}`);
        } else {
          orders++;
          if (mode === 'live') toSend = row;
        }
      }
      await this.recordEquity(account, state, candle, intervalMs, manager);
      account.state = encodeState(state);
      account.lastCandleOpenTime = candle.openTime;
      account.modelId = modelId;
      account.updatedAt = Date.now();
      await this.store.saveAccount(account, manager);
      return { orders, fills };
    });
    if (toSend !== null) {
      const sent = await this.sendLiveOrder(toSend);
      counts.fills += sent ? 1 : 0;
      const reloaded = await this.store.account(mode, symbol, interval);
      if (reloaded !== null) account.state = reloaded.state;
    }
    return counts;
  }

  /** Paper: books what the simulated market did at this candle's open with the order pending before it. Returns fills. */
  private async bookSimulatedStep(account: TradingAccountEntity, pending: OrderIntent | null, events: StepEvents, manager: EntityManager): Promise<number> {
    if (pending === null) return 0;
    const { mode, symbol, interval } = account;
    const clientOrderId = this.clientOrderId(symbol, interval, pending);
    if (events.fill !== null) {
      await this.store.recordFill(mode, interval, clientOrderId, events.fill, { tradeId: '1', feeAsset: assetsOf(symbol).quote, exchangeOrderId: null }, manager);
      if (events.trade !== null) await this.store.recordTrade(mode, interval, events.trade, manager);
      return 1;
    }
    if (events.rejection !== null) await this.store.updateOrder(mode, clientOrderId, { status: 'REJECTED', error: events.rejection.message }, manager);
    return 0;
  }

  /** Equity, cash and position value at the candle's close. */
  private async recordEquity(account: TradingAccountEntity, state: StrategyState, candle: CoreCandle, intervalMs: number, manager: EntityManager): Promise<void> {
    const positionValue = state.position === null ? 0 : state.position.quantityNumber * candle.close;
    await this.store.recordEquity(
      { mode: account.mode, symbol: account.symbol, interval: account.interval, time: candle.openTime + intervalMs, equity: equityAt(state, candle.close), cash: state.cash, positionValue },
      manager,
    );
  }

  /**
   * Risk limits before an order (TRADING_MAX_*). An entry larger than the position limit is cut down to it; an entry
   * is refused after the day's loss limit or the hourly order count is reached. Exits are never refused by these.
   */
  private async riskRefusal(
    account: TradingAccountEntity,
    state: StrategyState,
    intent: OrderIntent,
    candle: CoreCandle,
    intervalMs: number,
    manager: EntityManager,
  ): Promise<string | null> {
    if (intent.side === 'SELL') return null;
    const risk = this.settings.risk;
    if (risk.maxPositionNotional > 0 && intent.quoteBudget > risk.maxPositionNotional) intent.quoteBudget = risk.maxPositionNotional;
    if (risk.maxOrdersPerHour > 0) {
      const recent = await this.store.countOrdersDecidedSince(this.mode, candle.openTime - HOUR_MS, manager);
      if (recent >= risk.maxOrdersPerHour) return `risk: TRADING_MAX_ORDERS_PER_HOUR (${risk.maxOrdersPerHour}) reached`;
    }
    if (risk.maxDailyLoss > 0) {
      const closeTime = candle.openTime + intervalMs;
      const dayStart = Math.floor((closeTime - 1) / DAY_MS) * DAY_MS;
      // The equity at the day's start: the last close before it, or the first of the day for an account opened today.
      const startEquity =
        (await this.store.equityAtOrBefore(this.mode, account.symbol, account.interval, dayStart, manager)) ??
        (await this.store.equityAtOrAfter(this.mode, account.symbol, account.interval, dayStart, manager));
      const loss = startEquity === null ? 0 : startEquity - equityAt(state, candle.close);
      if (loss > risk.maxDailyLoss) return `risk: TRADING_MAX_DAILY_LOSS (${risk.maxDailyLoss}) exceeded today (loss ${loss.toFixed(2)})`;
    }
    return null;
  }

  /** Live: the exchange rules checked at the decision close before sending (paper leaves them to the fill model). */
  private ruleRefusal(mode: TradingMode, intent: OrderIntent, candle: CoreCandle, rules: SymbolRules): string | null {
    if (mode !== 'live') return null;
    const simulated = fillMarketOrder(intent, candle.close, candle.openTime, rules, this.settings.fill);
    return isFill(simulated) ? null : `exchange rules: ${simulated.message}`;
  }

  /** Sends a stored PENDING_NEW order (same client id every time) and books the answer. true when it filled. */
  private async sendLiveOrder(row: TradingOrderEntity): Promise<boolean> {
    if ((await this.store.isKilled()).killed) {
      await this.dropPending(row, 'CANCELED', 'kill switch');
      return false;
    }
    const exchange = this.requireExchange();
    const quoteBudget = row.quoteBudget ?? 0;
    let answer: ExchangeOrder;
    try {
      answer = await exchange.placeMarketOrder({
        symbol: row.symbol,
        side: row.side,
        clientOrderId: row.clientOrderId,
        ...(row.side === 'SELL'
          ? { quantity: row.quantity ?? '0' }
          : { quoteOrderQty: formatUnits(BigInt(Math.floor((quoteBudget / (1 + this.settings.fill.feeRate)) * 1e8))) }),
      });
    } catch (error) {
      const failure = error instanceof ExchangeError ? error : new ExchangeError('unknown_outcome', String(error));
      if (failure.kind === 'unknown_outcome') {
        await this.store.updateOrder('live', row.clientOrderId, { status: 'UNKNOWN', error: failure.message.slice(0, 500) });
        this.logger.warn(`live ${row.symbol} ${row.clientOrderId}: outcome unknown, reconciled next run: ${failure.message}`);
        return false;
      }
      await this.dropPending(row, 'REJECTED', `exchange: ${failure.message}`);
      return false;
    }
    return this.settleLiveOrder(row, answer);
  }

  /** Books what the exchange says about one of our orders. true when it is (now) filled. */
  private async settleLiveOrder(row: TradingOrderEntity, order: ExchangeOrder): Promise<boolean> {
    if (order.status === 'FILLED') {
      await this.store.transaction(async (manager) => {
        const account = await this.store.account('live', row.symbol, row.interval, manager);
        const current = await this.store.order('live', row.clientOrderId, manager);
        if (account === null || current === null || current.status === 'FILLED') return;
        const state = decodeState(account.state);
        const pending = state.pending;
        if (pending === null || this.clientOrderId(row.symbol, row.interval, pending) !== row.clientOrderId) {
          await this.store.updateOrder('live', row.clientOrderId, { status: 'FILLED', exchangeOrderId: order.exchangeOrderId, filledQuantity: order.executedQty }, manager);
          return;
        }
        const fill = fillFromExchange(order, pending, await this.rulesFor(row.symbol));
        const trade = applyFill(state, fill);
        const feeAsset = order.fills[0]?.commissionAsset ?? assetsOf(row.symbol).quote;
        await this.store.recordFill('live', row.interval, row.clientOrderId, fill, { tradeId: order.fills.map((f) => f.tradeId).join(',').slice(0, 32) || order.exchangeOrderId, feeAsset, exchangeOrderId: order.exchangeOrderId }, manager);
        if (trade !== null) await this.store.recordTrade('live', row.interval, trade, manager);
        account.state = encodeState(state);
        account.updatedAt = Date.now();
        await this.store.saveAccount(account, manager);
      });
      return true;
    }
    if (order.status === 'NEW' || order.status === 'PARTIALLY_FILLED' || order.status === 'PENDING_CANCEL') {
      await this.store.updateOrder('live', row.clientOrderId, { status: order.status === 'PENDING_CANCEL' ? 'NEW' : order.status, exchangeOrderId: order.exchangeOrderId });
      return false;
    }
    const final: TradingOrderStatus = order.status === 'CANCELED' ? 'CANCELED' : order.status === 'REJECTED' ? 'REJECTED' : 'EXPIRED';
    await this.dropPending(row, final, `exchange status ${order.status}`, order.exchangeOrderId);
    return false;
  }

  /** The order will never fill: mark it and, if it is the account's pending order, drop it from the strategy state. */
  private async dropPending(row: TradingOrderEntity, status: TradingOrderStatus, error: string, exchangeOrderId?: string): Promise<void> {
    await this.store.transaction(async (manager) => {
      await this.store.updateOrder(row.mode, row.clientOrderId, { status, error: error.slice(0, 500), ...(exchangeOrderId ? { exchangeOrderId } : {}) }, manager);
      const account = await this.store.account(row.mode, row.symbol, row.interval, manager);
      if (account === null) return;
      const state = decodeState(account.state);
      if (state.pending !== null && this.clientOrderId(row.symbol, row.interval, state.pending) === row.clientOrderId) {
        rejectPending(state);
        account.state = encodeState(state);
        account.updatedAt = Date.now();
        await this.store.saveAccount(account, manager);
      }
    });
  }

  private clientOrderId(symbol: string, interval: string, intent: OrderIntent): string {
    return clientOrderIdFor({ mode: this.mode, symbol, interval, openTime: intent.decidedAt, purpose: intent.side === 'BUY' ? 'entry' : 'exit' });
  }

  private async signalsFor(modelId: number, from: number, to: number): Promise<Map<number, TradeSignal>> {
    const rows = await this.predictions
      .createQueryBuilder('p')
      .where('p.modelId = :modelId AND p.openTime >= :from AND p.openTime <= :to', { modelId, from, to })
      .getMany();
    return new Map(rows.map((row) => [row.openTime, row.signal]));
  }

  /** Paper: the rules backtests use; live: the exchange's own filters (cached). */
  private async rulesFor(symbol: string): Promise<SymbolRules> {
    if (this.mode === 'paper') return defaultSymbolRules(symbol);
    const cached = this.rulesCache.get(symbol);
    if (cached !== undefined) return cached;
    const rules = symbolRulesFromFilters(symbol, await this.requireExchange().symbolFilters(symbol));
    this.rulesCache.set(symbol, rules);
    return rules;
  }

  private requireExchange(): SpotExchangeClient {
    if (this.exchange === null) throw new Error('live trading needs the exchange client (BINANCE_API_KEY / BINANCE_API_SECRET)');
    return this.exchange;
  }
}

function toCoreCandle(view: { open_time: number; open_price: string; high_price: string; low_price: string; close_price: string }): CoreCandle {
  return { openTime: view.open_time, open: Number(view.open_price), high: Number(view.high_price), low: Number(view.low_price), close: Number(view.close_price) };
}
