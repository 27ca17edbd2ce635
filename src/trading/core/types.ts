/** A model's decision for one closed candle, as the modelling layer stores it (`predictions.trade_signal`). */
export type TradeSignal = 'SELL' | 'HOLD' | 'BUY';

/** The part of a closed candle the strategy and the fill model read. Times are epoch ms (UTC). */
export interface CoreCandle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export type OrderSide = 'BUY' | 'SELL';

/** Why an order was decided. `end_of_data` is the backtest's forced exit after the last candle. */
export type OrderReason = 'signal' | 'stop_loss' | 'take_profit' | 'max_holding' | 'end_of_data';

/**
 * What the strategy wants after the close of candle t (`decidedAt` = its open time). A market order: the fill model
 * fills it at the OPEN of the next candle, never at the close of the candle that produced the signal.
 */
export interface OrderIntent {
  symbol: string;
  side: OrderSide;
  reason: OrderReason;
  /** Open time of the decision candle t. */
  decidedAt: number;
  /** BUY: quote asset to spend, fees included (the fill model turns it into a step-rounded quantity). 0 for SELL. */
  quoteBudget: number;
  /** SELL: exact quantity to sell in 1e-8 units (the whole position). 0n for BUY. */
  quantityUnits: bigint;
}

/** Costs every fill pays. */
export interface FillSettings {
  /** Fee per side as a fraction of the order value, charged in the quote asset. Binance spot: 0.001. */
  feeRate: number;
  /** Slippage per side in basis points: buys fill at open × (1 + bps/10⁴), sells at open × (1 − bps/10⁴). */
  slippageBps: number;
}

/** Binance spot's base fee, and 5 bps: the slippage the model's labels already assume (modelling DEFAULT_LABEL_CONFIG). */
export const DEFAULT_FILL_SETTINGS: Readonly<FillSettings> = { feeRate: 0.001, slippageBps: 5 };

/** An executed order. */
export interface Fill {
  symbol: string;
  side: OrderSide;
  reason: OrderReason;
  decidedAt: number;
  /** When it filled: the open time of the candle whose open it took (end_of_data: the last candle's close time). */
  time: number;
  /** The price before slippage (the next candle's open). */
  referencePrice: number;
  /** The price after slippage. */
  price: number;
  quantityUnits: bigint;
  /** Binance's eight-decimal form of the quantity. */
  quantity: string;
  quantityNumber: number;
  /** price × quantity. */
  notional: number;
  /** notional × feeRate, in the quote asset. */
  fee: number;
}

export type RejectionCode = 'zero_quantity' | 'below_min_qty' | 'below_min_notional' | 'no_position';

/** An order the exchange rules refuse; nothing changes but the pending order being dropped. */
export interface Rejection {
  symbol: string;
  side: OrderSide;
  reason: OrderReason;
  decidedAt: number;
  time: number;
  code: RejectionCode;
  message: string;
}

/** A round trip: one entry fill and the exit fill that closed it. */
export interface ClosedTrade {
  symbol: string;
  side: 'LONG';
  entryTime: number;
  exitTime: number;
  entryPrice: number;
  exitPrice: number;
  quantity: string;
  quantityNumber: number;
  /** Exit value − entry value − both fees. */
  pnl: number;
  /** pnl ÷ (entry value + entry fee). */
  returnPct: number;
  /** Entry fee + exit fee. */
  fees: number;
  exitReason: OrderReason;
  /** Candles closed while the position was held (the entry candle counts). */
  candlesHeld: number;
}
