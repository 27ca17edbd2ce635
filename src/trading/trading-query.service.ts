import { Inject, Injectable } from '@nestjs/common';
import { downsampleMinMax } from '../common/downsample';
import { badField } from '../common/validation';
import type { TradingEquityQueryDto } from './dto/trading-query.dto';
import type {
  EquityPageResponse,
  EquityPointResponse,
  FillPageResponse,
  OrderPageResponse,
  OrderResponse,
  PositionPageResponse,
  TradingStatusResponse,
} from './dto/trading.response';
import { KlineRepository } from '../market-data/kline.repository';
import { phaseOf } from './core';
import { decodeState } from './strategy-state-codec';
import type { TradingEquityEntity, TradingFillEntity, TradingOrderEntity } from './trading.entities';
import { TRADING_SETTINGS, type TradingSettings } from './trading.settings';
import { TradingStore } from './trading.store';

const iso = (ms: number) => new Date(ms).toISOString();

/** What the trading API shows: the current mode's accounts, orders, fills and equity. Never a key or secret. */
@Injectable()
export class TradingQueryService {
  constructor(
    @Inject(TRADING_SETTINGS) private readonly settings: TradingSettings,
    private readonly store: TradingStore,
    private readonly klines: KlineRepository,
  ) {}

  async status(): Promise<TradingStatusResponse> {
    const control = await this.store.isKilled();
    const accounts = await this.store.accounts(this.settings.mode);
    const lastCandles: TradingStatusResponse['last_candle_processed'] = {};
    const views = [];
    const candleRef = (openTime: number | null) => (openTime === null ? null : { open_time: openTime, open_time_parsed: iso(openTime) });
    for (const account of accounts) {
      const state = decodeState(account.state);
      const processed = account.lastCandleOpenTime !== null && state.lastDecisionTime !== null ? state.lastDecisionTime : null;
      const ref = candleRef(processed);
      if (ref !== null) lastCandles[`${account.symbol} ${account.interval}`] = ref;
      const equity = await this.store.equityAtOrBefore(this.settings.mode, account.symbol, account.interval, Number.MAX_SAFE_INTEGER, this.store.dataSource.manager);
      views.push({
        symbol: account.symbol,
        interval: account.interval,
        model_id: account.modelId,
        phase: phaseOf(state),
        cash: state.cash,
        equity,
        last_candle_processed: ref,
        stale_candles: { count: account.staleCandles, last_from: candleRef(account.lastStaleFrom), last_to: candleRef(account.lastStaleTo) },
      });
    }
    return {
      mode: this.settings.mode,
      live_enabled: this.settings.liveEnabled,
      paper_because: this.settings.paperBecause,
      killed: control.killed,
      killed_reason: control.reason,
      killed_changed_at: control.changedAt,
      symbols: this.settings.symbols,
      risk_limits: {
        max_position_notional: this.settings.risk.maxPositionNotional,
        max_daily_loss: this.settings.risk.maxDailyLoss,
        max_orders_per_hour: this.settings.risk.maxOrdersPerHour,
      },
      max_signal_age_ms: this.settings.maxSignalAgeMs,
      last_candle_processed: lastCandles,
      accounts: views,
      exchange_base_url: this.settings.binance?.baseUrl ?? null,
    };
  }

  async positions(): Promise<PositionPageResponse> {
    const data = [];
    for (const account of await this.store.accounts(this.settings.mode)) {
      const position = decodeState(account.state).position;
      if (position === null) continue;
      const state = decodeState(account.state);
      const lastClose = state.lastDecisionTime === null ? undefined : (await this.klines.find(account.symbol, account.interval, state.lastDecisionTime, state.lastDecisionTime, 1))[0];
      data.push({
        mode: account.mode,
        symbol: account.symbol,
        interval: account.interval,
        quantity: position.quantity,
        entry_price: position.entryPrice,
        entry_time: position.entryTime,
        entry_time_parsed: iso(position.entryTime),
        candles_held: position.candlesHeld,
        position_value: lastClose === undefined ? null : position.quantityNumber * Number(lastClose.close_price),
      });
    }
    return { data, next: null };
  }

  async orders(symbol: string | undefined, limit: number, cursor: string | undefined): Promise<OrderPageResponse> {
    const page = await this.store.listOrders(this.settings.mode, symbol, limit, cursor === undefined ? undefined : Number(cursor));
    return { data: page.data.map(orderView), next: page.next };
  }

  async fills(symbol: string | undefined, limit: number, cursor: string | undefined): Promise<FillPageResponse> {
    const page = await this.store.listFills(this.settings.mode, symbol, limit, cursor === undefined ? undefined : Number(cursor));
    return { data: page.data.map(fillView), next: page.next };
  }

  async equity(query: TradingEquityQueryDto): Promise<EquityPageResponse> {
    if (query.max_points !== undefined) {
      if (query.symbol === undefined || query.interval === undefined) {
        throw badField('max_points', 'needs symbol and interval', 'max_points thins one curve: give symbol and interval too');
      }
      const rows = await this.store.equityCurve(this.settings.mode, query.symbol, query.interval, query.start, query.end);
      const drawn = downsampleMinMax(rows, query.max_points, (row) => row.equity);
      return { data: drawn.map(equityPointView), next: null, total_points: rows.length, downsampled: drawn.length < rows.length };
    }
    const page = await this.store.listEquity(this.settings.mode, query);
    return { data: page.data.map(equityPointView), next: page.next };
  }
}

function equityPointView(row: TradingEquityEntity): EquityPointResponse {
  return {
    time: row.time,
    time_parsed: iso(row.time),
    symbol: row.symbol,
    interval: row.interval,
    equity: row.equity,
    cash: row.cash,
    position_value: row.positionValue,
  };
}

export function orderView(row: TradingOrderEntity): OrderResponse {
  return {
    id: Number(row.id),
    mode: row.mode,
    client_order_id: row.clientOrderId,
    exchange_order_id: row.exchangeOrderId,
    symbol: row.symbol,
    interval: row.interval,
    side: row.side,
    type: row.type,
    reason: row.reason,
    status: row.status,
    quantity: row.quantity,
    quote_budget: row.quoteBudget,
    filled_quantity: row.filledQuantity,
    price: row.avgFillPrice,
    avg_fill_price: row.avgFillPrice,
    fee: row.fee,
    decided_at: row.decidedAt,
    decided_at_parsed: iso(row.decidedAt),
    time: row.createdAt,
    time_parsed: iso(row.createdAt),
    model_id: row.modelId,
    error: row.error,
  };
}

function fillView(row: TradingFillEntity) {
  return {
    id: Number(row.id),
    mode: row.mode,
    client_order_id: row.clientOrderId,
    trade_id: row.tradeId,
    symbol: row.symbol,
    interval: row.interval,
    side: row.side,
    reason: row.reason,
    price: row.price,
    quantity: row.quantity,
    notional: row.notional,
    fee: row.fee,
    fee_asset: row.feeAsset,
    time: row.time,
    time_parsed: iso(row.time),
  };
}
