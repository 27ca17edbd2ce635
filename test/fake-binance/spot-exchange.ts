import { fromScaledUnits, toScaledUnits } from './binance-decimal';
import { BinanceApiError, binanceErrors } from './binance-errors';
import { BTCUSDT_FILTERS, ListedSymbol } from './exchange-info';
import { RequestParameters } from './request-parameters';

/** One trading account of the fake, reached by its API key. */
export interface FakeAccountOptions {
  /** Free balances by asset, decimal strings ("10000", "0.5"). */
  balances?: Record<string, string>;
}

export interface FakeOrderFill {
  price: string;
  qty: string;
  commission: string;
  commissionAsset: string;
  tradeId: number;
}

/** An order as GET /api/v3/order shows it, plus its fills. */
export interface FakeOrder {
  symbol: string;
  orderId: number;
  orderListId: number;
  clientOrderId: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
  timeInForce: string;
  type: 'MARKET' | 'LIMIT';
  side: 'BUY' | 'SELL';
  stopPrice: string;
  icebergQty: string;
  time: number;
  updateTime: number;
  isWorking: boolean;
  workingTime: number;
  origQuoteOrderQty: string;
  selfTradePreventionMode: string;
  fills: FakeOrderFill[];
  /** The quote amount of a quoteOrderQty MARKET order (held orders need it to fill later). */
  quoteOrderQty?: bigint;
}

export interface SpotExchangeContext {
  listed(symbol: string): ListedSymbol | undefined;
  /** The traded price of the symbol at `now` (the close of its candle open at now), or undefined. */
  priceAt(symbol: string, now: number): string | undefined;
}

const ZERO = '0.00000000';
const SCALE = 100_000_000n;
const OPEN_STATUSES = new Set<FakeOrder['status']>(['NEW', 'PARTIALLY_FILLED']);

const orderErrors = {
  duplicate: () => new BinanceApiError(-2010, 'Duplicate order sent.'),
  insufficientBalance: () => new BinanceApiError(-2010, 'Account has insufficient balance for requested action.'),
  filterFailure: (filter: string) => new BinanceApiError(-1013, `Filter failure: ${filter}`),
  unknownOrder: () => new BinanceApiError(-2011, 'Unknown order sent.'),
  noSuchOrder: () => new BinanceApiError(-2013, 'Order does not exist.'),
  noPrice: (symbol: string) => binanceErrors.notSimulated(`no candle of ${symbol} is open at the server's now, so there is no price to fill at`),
};

/**
 * Balances and orders of one account, with an immediate matching engine: a MARKET order fills in full at the
 * current price (the candle open at the server's now), taker commission charged on what the account receives (the
 * base asset when buying, the quote asset when selling) as Binance does without BNB fee discounts. LIMIT orders
 * rest as NEW (they are never matched) so open orders can be listed and cancelled. With `hold` on, MARKET orders
 * are accepted as NEW too and fill later (fillHeld), as a slow matching engine would.
 */
export class SpotAccount {
  readonly balances = new Map<string, { free: bigint; locked: bigint }>();
  readonly orders: FakeOrder[] = [];
  private readonly byClientId = new Map<string, FakeOrder>();

  constructor(
    readonly apiKey: string,
    options: FakeAccountOptions,
    private readonly ids: { nextOrderId(): number; nextTradeId(): number },
    private readonly commissionRate: bigint,
  ) {
    for (const [asset, amount] of Object.entries(options.balances ?? {})) {
      this.balances.set(asset, { free: toScaledUnits(amount), locked: 0n });
    }
  }

  newOrder(
    parameters: RequestParameters,
    now: number,
    context: SpotExchangeContext,
    hold: boolean,
  ): { order: FakeOrder; responseType: string | undefined } {
    const symbol = parameters.mandatorySymbol();
    const listed = context.listed(symbol);
    const side = parameters.mandatory('side');
    const type = parameters.mandatory('type');
    const quantityText = parameters.optional('quantity');
    const quoteText = parameters.optional('quoteOrderQty');
    const priceText = parameters.optional('price');
    const timeInForce = parameters.optional('timeInForce');
    const clientOrderId = parameters.optional('newClientOrderId');
    const responseType = parameters.optional('newOrderRespType');
    parameters.assertAllRead();
    if (listed === undefined) throw binanceErrors.invalidSymbol();
    if (side !== 'BUY' && side !== 'SELL') throw binanceErrors.invalidParameterValue('side');
    if (type !== 'MARKET' && type !== 'LIMIT') throw binanceErrors.notSimulated(`order type ${type}`);
    if (responseType !== undefined && !['ACK', 'RESULT', 'FULL'].includes(responseType)) throw binanceErrors.invalidParameterValue('newOrderRespType');
    if (clientOrderId !== undefined && !/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientOrderId)) {
      throw binanceErrors.illegalCharacters('newClientOrderId', '^[\\.A-Z\\:/a-z0-9_-]{1,36}$');
    }
    // Binance: "A unique id among open orders".
    const existing = clientOrderId === undefined ? undefined : this.byClientId.get(clientOrderId);
    if (existing !== undefined && OPEN_STATUSES.has(existing.status)) throw orderErrors.duplicate();

    const filters = listed.filters ?? BTCUSDT_FILTERS;
    const lot = filters.find((filter) => filter.filterType === 'LOT_SIZE');
    const notional = filters.find((filter) => filter.filterType === 'NOTIONAL');
    const stepSize = filterUnits(lot, 'stepSize', '0.00000001');
    const minQty = filterUnits(lot, 'minQty', '0');
    const minNotional = filterUnits(notional, 'minNotional', '0');

    let quantity: bigint | undefined;
    let quoteOrderQty: bigint | undefined;
    if (type === 'MARKET') {
      if ((quantityText === undefined) === (quoteText === undefined)) throw binanceErrors.invalidParameterCombination();
      if (quantityText !== undefined) quantity = decimalParameter('quantity', quantityText);
      if (quoteText !== undefined) quoteOrderQty = decimalParameter('quoteOrderQty', quoteText);
    } else {
      if (quantityText === undefined) throw binanceErrors.mandatoryParameterMissing('quantity');
      if (priceText === undefined) throw binanceErrors.mandatoryParameterMissing('price');
      if (timeInForce === undefined) throw binanceErrors.mandatoryParameterMissing('timeInForce');
      quantity = decimalParameter('quantity', quantityText);
    }
    if (quantity !== undefined && (quantity < minQty || quantity === 0n || (stepSize > 0n && quantity % stepSize !== 0n))) {
      throw orderErrors.filterFailure('LOT_SIZE');
    }

    const order: FakeOrder = {
      symbol,
      orderId: this.ids.nextOrderId(),
      orderListId: -1,
      clientOrderId: clientOrderId ?? `fake${now}${this.orders.length}`,
      price: type === 'LIMIT' ? fromScaledUnits(decimalParameter('price', priceText ?? '0')) : ZERO,
      origQty: quantity === undefined ? ZERO : fromScaledUnits(quantity),
      executedQty: ZERO,
      cummulativeQuoteQty: ZERO,
      status: 'NEW',
      timeInForce: type === 'LIMIT' ? (timeInForce ?? 'GTC') : 'GTC',
      type,
      side,
      stopPrice: ZERO,
      icebergQty: ZERO,
      time: now,
      updateTime: now,
      isWorking: true,
      workingTime: now,
      origQuoteOrderQty: quoteOrderQty === undefined ? ZERO : fromScaledUnits(quoteOrderQty),
      selfTradePreventionMode: 'EXPIRE_MAKER',
      fills: [],
      quoteOrderQty,
    };
    if (type === 'MARKET' && !hold) {
      this.fill(order, listed, now, context, { stepSize, minNotional });
    } else if (type === 'LIMIT') {
      const price = toScaledUnits(order.price);
      const lockedAsset = side === 'BUY' ? listed.quoteAsset : listed.baseAsset;
      const lockedAmount = side === 'BUY' ? (price * (quantity ?? 0n)) / SCALE : (quantity ?? 0n);
      this.move(lockedAsset, -lockedAmount, lockedAmount);
    }
    this.orders.push(order);
    this.byClientId.set(order.clientOrderId, order);
    return { order, responseType };
  }

  /** Fills held MARKET orders at the price of `now`; an order the balance no longer covers expires. */
  fillHeld(now: number, context: SpotExchangeContext): FakeOrder[] {
    const filled: FakeOrder[] = [];
    for (const order of this.orders) {
      if (order.type !== 'MARKET' || order.status !== 'NEW') continue;
      const listed = context.listed(order.symbol);
      if (listed === undefined) continue;
      const filters = listed.filters ?? BTCUSDT_FILTERS;
      const lot = filters.find((filter) => filter.filterType === 'LOT_SIZE');
      try {
        this.fill(order, listed, now, context, { stepSize: filterUnits(lot, 'stepSize', '0.00000001'), minNotional: 0n });
      } catch (error) {
        if (!(error instanceof BinanceApiError)) throw error;
        order.status = 'EXPIRED';
        order.isWorking = false;
        order.updateTime = now;
      }
      filled.push(order);
    }
    return filled;
  }

  find(parameters: RequestParameters): FakeOrder {
    const symbol = parameters.mandatorySymbol();
    const orderId = parameters.optionalUnsignedInteger('orderId');
    const clientOrderId = parameters.optional('origClientOrderId');
    parameters.assertAllRead();
    if (orderId === undefined && clientOrderId === undefined) throw binanceErrors.mandatoryParameterMissing('orderId');
    const order =
      orderId !== undefined ? this.orders.find((candidate) => candidate.orderId === orderId) : this.byClientId.get(clientOrderId ?? '');
    if (order === undefined || order.symbol !== symbol) throw orderErrors.noSuchOrder();
    return order;
  }

  cancel(parameters: RequestParameters, now: number, context: SpotExchangeContext): FakeOrder {
    const symbol = parameters.mandatorySymbol();
    const orderId = parameters.optionalUnsignedInteger('orderId');
    const clientOrderId = parameters.optional('origClientOrderId');
    parameters.optional('newClientOrderId');
    parameters.optional('cancelRestrictions');
    parameters.assertAllRead();
    if (orderId === undefined && clientOrderId === undefined) throw binanceErrors.mandatoryParameterMissing('orderId');
    const order =
      orderId !== undefined ? this.orders.find((candidate) => candidate.orderId === orderId) : this.byClientId.get(clientOrderId ?? '');
    if (order === undefined || order.symbol !== symbol || !OPEN_STATUSES.has(order.status)) throw orderErrors.unknownOrder();
    this.cancelOrder(order, now, context);
    return order;
  }

  cancelAll(parameters: RequestParameters, now: number, context: SpotExchangeContext): FakeOrder[] {
    const symbol = parameters.mandatorySymbol();
    parameters.assertAllRead();
    if (context.listed(symbol) === undefined) throw binanceErrors.invalidSymbol();
    const open = this.openOrders(symbol);
    if (open.length === 0) throw orderErrors.unknownOrder();
    for (const order of open) this.cancelOrder(order, now, context);
    return open;
  }

  openOrders(symbol?: string): FakeOrder[] {
    return this.orders.filter((order) => OPEN_STATUSES.has(order.status) && (symbol === undefined || order.symbol === symbol));
  }

  balanceOf(asset: string): { free: string; locked: string } {
    const balance = this.balances.get(asset) ?? { free: 0n, locked: 0n };
    return { free: fromScaledUnits(balance.free), locked: fromScaledUnits(balance.locked) };
  }

  private cancelOrder(order: FakeOrder, now: number, context: SpotExchangeContext): void {
    order.status = 'CANCELED';
    order.isWorking = false;
    order.updateTime = now;
    if (order.type === 'LIMIT') {
      const listed = context.listed(order.symbol);
      if (listed === undefined) return;
      const quantity = toScaledUnits(order.origQty);
      const lockedAsset = order.side === 'BUY' ? listed.quoteAsset : listed.baseAsset;
      const lockedAmount = order.side === 'BUY' ? (toScaledUnits(order.price) * quantity) / SCALE : quantity;
      this.move(lockedAsset, lockedAmount, -lockedAmount);
    }
  }

  private fill(
    order: FakeOrder,
    listed: ListedSymbol,
    now: number,
    context: SpotExchangeContext,
    rules: { stepSize: bigint; minNotional: bigint },
  ): void {
    const priceText = context.priceAt(order.symbol, now);
    if (priceText === undefined) throw orderErrors.noPrice(order.symbol);
    const price = toScaledUnits(priceText);
    let quantity = toScaledUnits(order.origQty);
    if (order.quoteOrderQty !== undefined) {
      quantity = (order.quoteOrderQty * SCALE) / price;
      if (rules.stepSize > 0n) quantity -= quantity % rules.stepSize;
      if (quantity === 0n) throw orderErrors.filterFailure('LOT_SIZE');
    }
    const quote = (quantity * price) / SCALE;
    if (quote < rules.minNotional) throw orderErrors.filterFailure('NOTIONAL');
    const base = listed.baseAsset;
    const quoteAsset = listed.quoteAsset;
    const received = order.side === 'BUY' ? quantity : quote;
    const commission = (received * this.commissionRate) / SCALE;
    if (order.side === 'BUY') {
      if ((this.balances.get(quoteAsset)?.free ?? 0n) < quote) throw orderErrors.insufficientBalance();
      this.move(quoteAsset, -quote, 0n);
      this.move(base, quantity - commission, 0n);
    } else {
      if ((this.balances.get(base)?.free ?? 0n) < quantity) throw orderErrors.insufficientBalance();
      this.move(base, -quantity, 0n);
      this.move(quoteAsset, quote - commission, 0n);
    }
    order.origQty = fromScaledUnits(quantity);
    order.executedQty = fromScaledUnits(quantity);
    order.cummulativeQuoteQty = fromScaledUnits(quote);
    order.status = 'FILLED';
    order.isWorking = false;
    order.updateTime = now;
    order.fills = [
      {
        price: fromScaledUnits(price),
        qty: fromScaledUnits(quantity),
        commission: fromScaledUnits(commission),
        commissionAsset: order.side === 'BUY' ? base : quoteAsset,
        tradeId: this.ids.nextTradeId(),
      },
    ];
  }

  private move(asset: string, freeDelta: bigint, lockedDelta: bigint): void {
    const balance = this.balances.get(asset) ?? { free: 0n, locked: 0n };
    if (balance.free + freeDelta < 0n) throw orderErrors.insufficientBalance();
    this.balances.set(asset, { free: balance.free + freeDelta, locked: balance.locked + lockedDelta });
  }
}

function filterUnits(filter: Record<string, unknown> | undefined, field: string, fallback: string): bigint {
  const value = filter?.[field];
  return toScaledUnits(typeof value === 'string' ? value : fallback);
}

function decimalParameter(name: string, text: string): bigint {
  if (!/^\d{1,20}(\.\d{1,8})?$/.test(text)) throw binanceErrors.illegalCharacters(name, '^([0-9]{1,20})(\\.[0-9]{1,20})?$');
  return toScaledUnits(text);
}

/** GET /api/v3/order and the open-orders list show an order without its fills. */
export function orderView(order: FakeOrder): Record<string, unknown> {
  const view: Record<string, unknown> = { ...order };
  delete view.fills;
  delete view.quoteOrderQty;
  return view;
}

/** POST /api/v3/order: ACK, RESULT or FULL (default for MARKET and LIMIT). */
export function newOrderResponse(order: FakeOrder, responseType: string | undefined): Record<string, unknown> {
  const ack = { symbol: order.symbol, orderId: order.orderId, orderListId: -1, clientOrderId: order.clientOrderId, transactTime: order.time };
  if (responseType === 'ACK') return ack;
  const result = {
    ...ack,
    price: order.price,
    origQty: order.origQty,
    executedQty: order.executedQty,
    origQuoteOrderQty: order.origQuoteOrderQty,
    cummulativeQuoteQty: order.cummulativeQuoteQty,
    status: order.status,
    timeInForce: order.timeInForce,
    type: order.type,
    side: order.side,
    workingTime: order.workingTime,
    selfTradePreventionMode: order.selfTradePreventionMode,
  };
  if (responseType === 'RESULT') return result;
  return { ...result, fills: order.fills };
}

/** GET /api/v3/account. */
export function accountView(account: SpotAccount, now: number, commissionRate: bigint, omitZeroBalances: boolean): Record<string, unknown> {
  const rate = fromScaledUnits(commissionRate);
  const bps = Number((commissionRate * 10_000n) / SCALE);
  return {
    makerCommission: bps,
    takerCommission: bps,
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: rate, taker: rate, buyer: ZERO, seller: ZERO },
    canTrade: true,
    canWithdraw: true,
    canDeposit: true,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: now,
    accountType: 'SPOT',
    balances: [...account.balances.entries()]
      .filter(([, balance]) => !omitZeroBalances || balance.free + balance.locked > 0n)
      .map(([asset, balance]) => ({ asset, free: fromScaledUnits(balance.free), locked: fromScaledUnits(balance.locked) })),
    permissions: ['SPOT'],
    uid: 1,
  };
}
