import { IncomingHttpHeaders } from 'node:http';
import { toScaledUnits } from './binance-decimal';
import { RequestParameters } from './request-parameters';
import { FakeApiKey, verifySignedRequest } from './signed-request';
import { accountView, FakeAccountOptions, FakeOrder, newOrderResponse, orderView, SpotAccount, SpotExchangeContext } from './spot-exchange';

export { FakeApiKey, signPayload } from './signed-request';
export { FakeOrder, FakeOrderFill } from './spot-exchange';

/** An API key with its account. */
export interface FakeAccount extends FakeApiKey, FakeAccountOptions {}

export interface SignedRoute {
  weight: number;
  /** TRADE endpoints need a key that can trade; USER_DATA ones only a valid key. */
  trade: boolean;
  /** Weight depends on the parameters for some routes (open orders without a symbol: 80). */
  weightFor?(search: URLSearchParams): number;
  handle(parameters: RequestParameters, account: SpotAccount, now: number): unknown;
}

/**
 * The SIGNED spot endpoints the live broker uses, keyed by "METHOD path". Weights from Binance's spot REST docs:
 * new order 1, cancel order 1, cancel all open orders 1, query order 4, open orders 6 with a symbol (80 without),
 * my trades 20 (5 with orderId), account 20.
 */
export class SignedApi {
  readonly keys = new Map<string, FakeApiKey>();
  readonly accounts = new Map<string, SpotAccount>();
  readonly routes: Record<string, SignedRoute>;
  /** Accept MARKET orders as NEW and fill them only on fillHeld (see FakeBinance.setHoldOrders). */
  hold = false;
  private orderId = 1000;
  private tradeId = 5000;

  constructor(
    private readonly context: SpotExchangeContext,
    private readonly commissionRate: bigint,
  ) {
    this.routes = {
      'POST /api/v3/order': {
        weight: 1,
        trade: true,
        handle: (parameters, account, now) => {
          const { order, responseType } = account.newOrder(parameters, now, this.context, this.hold);
          return newOrderResponse(order, responseType);
        },
      },
      'DELETE /api/v3/order': {
        weight: 1,
        trade: true,
        handle: (parameters, account, now) => orderView(account.cancel(parameters, now, this.context)),
      },
      'DELETE /api/v3/openOrders': {
        weight: 1,
        trade: true,
        handle: (parameters, account, now) => account.cancelAll(parameters, now, this.context).map(orderView),
      },
      'GET /api/v3/openOrders': {
        weight: 6,
        trade: false,
        weightFor: (search) => (search.has('symbol') ? 6 : 80),
        handle: (parameters, account) => {
          const symbol = parameters.optional('symbol') === undefined ? undefined : parameters.mandatorySymbol();
          parameters.assertAllRead();
          return account.openOrders(symbol).map(orderView);
        },
      },
      'GET /api/v3/order': {
        weight: 4,
        trade: false,
        handle: (parameters, account) => orderView(account.find(parameters)),
      },
      'GET /api/v3/myTrades': {
        weight: 20,
        trade: false,
        weightFor: (search) => (search.has('orderId') ? 5 : 20),
        handle: (parameters, account) => {
          const symbol = parameters.mandatorySymbol();
          const orderId = parameters.optionalUnsignedInteger('orderId');
          parameters.assertAllRead();
          return account.orders
            .filter((order) => order.symbol === symbol && (orderId === undefined || order.orderId === orderId))
            .flatMap((order) =>
              order.fills.map((fill) => ({
                symbol,
                id: fill.tradeId,
                orderId: order.orderId,
                orderListId: -1,
                price: fill.price,
                qty: fill.qty,
                quoteQty: order.cummulativeQuoteQty,
                commission: fill.commission,
                commissionAsset: fill.commissionAsset,
                time: order.updateTime,
                isBuyer: order.side === 'BUY',
                isMaker: false,
                isBestMatch: true,
              })),
            );
        },
      },
      'GET /api/v3/account': {
        weight: 20,
        trade: false,
        handle: (parameters, account, now) => {
          const omit = parameters.optional('omitZeroBalances');
          parameters.assertAllRead();
          return accountView(account, now, this.commissionRate, omit === 'true');
        },
      },
    };
  }

  addAccount(account: FakeAccount): void {
    this.keys.set(account.apiKey, account);
    this.accounts.set(
      account.apiKey,
      new SpotAccount(account.apiKey, account, { nextOrderId: () => ++this.orderId, nextTradeId: () => ++this.tradeId }, this.commissionRate),
    );
  }

  handle(route: SignedRoute, request: { headers: IncomingHttpHeaders; rawQuery: string; rawBody: string; now: number }): string {
    const { key, parameters } = verifySignedRequest({ ...request, keys: this.keys, trade: route.trade });
    const account = this.accounts.get(key.apiKey);
    if (account === undefined) throw new Error(`no account for key ${key.apiKey}`);
    return JSON.stringify(route.handle(parameters, account, request.now));
  }

  fillHeld(now: number): FakeOrder[] {
    return [...this.accounts.values()].flatMap((account) => account.fillHeld(now, this.context));
  }
}

export function commissionUnits(rate: string): bigint {
  return toScaledUnits(rate);
}
