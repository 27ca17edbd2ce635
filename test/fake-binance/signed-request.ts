import { createHmac, timingSafeEqual } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { BinanceApiError, binanceErrors } from './binance-errors';
import { RequestParameters } from './request-parameters';

/** An API key the fake knows, with its HMAC secret. */
export interface FakeApiKey {
  apiKey: string;
  apiSecret: string;
  /** Default true. false: the key may read (USER_DATA) but not trade, so orders get -2015. */
  canTrade?: boolean;
}

export const DEFAULT_RECV_WINDOW_MS = 5_000;
export const MAX_RECV_WINDOW_MS = 60_000;
const API_KEY_FORMAT = /^[A-Za-z0-9]{1,128}$/;
const HEX_SIGNATURE = /^[0-9a-fA-F]{64}$/;

export const signedErrors = {
  badApiKeyFormat: () => new BinanceApiError(-2014, 'API-key format invalid.', 401),
  rejectedApiKey: () => new BinanceApiError(-2015, 'Invalid API-key, IP, or permissions for action.', 401),
  badSignature: () => new BinanceApiError(-1022, 'Signature for this request is not valid.'),
  outsideRecvWindow: () => new BinanceApiError(-1021, 'Timestamp for this request is outside of the recvWindow.'),
  aheadOfServer: () => new BinanceApiError(-1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badRecvWindow: () => new BinanceApiError(-1131, 'recvWindow must be less than 60000'),
};

/**
 * The parameters of a SIGNED request (TRADE / USER_DATA), checked the way Binance's request-security docs describe:
 * the API key travels in X-MBX-APIKEY; `signature` is the HMAC-SHA256 (hex, any case) of totalParams, which is the
 * query string followed directly by the request body (application/x-www-form-urlencoded), each exactly as sent and
 * without the `signature` pair itself (it must be the last pair of whichever part carries it); `timestamp` must satisfy
 * timestamp < serverTime + 1000 and serverTime - timestamp <= recvWindow (default 5000, at most 60000).
 * Query and body parameters are merged; a name given twice (in either or both) is -1101.
 */
export function verifySignedRequest(options: {
  headers: IncomingHttpHeaders;
  rawQuery: string;
  rawBody: string;
  now: number;
  keys: ReadonlyMap<string, FakeApiKey>;
  trade: boolean;
}): { key: FakeApiKey; parameters: RequestParameters } {
  const header = options.headers['x-mbx-apikey'];
  const apiKey = Array.isArray(header) ? header[0] : header;
  if (apiKey === undefined || !API_KEY_FORMAT.test(apiKey)) throw signedErrors.badApiKeyFormat();
  const key = options.keys.get(apiKey);
  if (key === undefined) throw signedErrors.rejectedApiKey();
  if (options.trade && key.canTrade === false) throw signedErrors.rejectedApiKey();

  const merged = new URLSearchParams(options.rawQuery);
  for (const [name, value] of new URLSearchParams(options.rawBody)) merged.append(name, value);
  const parameters = new RequestParameters(merged);

  const timestampText = parameters.mandatory('timestamp');
  const signature = parameters.mandatory('signature');
  const recvWindowText = parameters.optional('recvWindow');
  if (!/^[0-9]{1,20}$/.test(timestampText)) throw binanceErrors.illegalCharacters('timestamp', '^[0-9]{1,20}$');
  const recvWindow = recvWindowText === undefined ? DEFAULT_RECV_WINDOW_MS : Number(recvWindowText);
  if (recvWindowText !== undefined && !/^[0-9]{1,20}$/.test(recvWindowText)) throw binanceErrors.illegalCharacters('recvWindow', '^[0-9]{1,20}$');
  if (recvWindow > MAX_RECV_WINDOW_MS) throw signedErrors.badRecvWindow();

  const payload = withoutTrailingSignature(options.rawQuery) + withoutTrailingSignature(options.rawBody);
  const expected = createHmac('sha256', key.apiSecret).update(payload).digest();
  if (!HEX_SIGNATURE.test(signature) || !timingSafeEqual(Buffer.from(signature, 'hex'), expected)) throw signedErrors.badSignature();

  const timestamp = Number(timestampText);
  if (timestamp >= options.now + 1000) throw signedErrors.aheadOfServer();
  if (options.now - timestamp > recvWindow) throw signedErrors.outsideRecvWindow();
  return { key, parameters };
}

/** "a=1&b=2&signature=ff" → "a=1&b=2"; a part whose last pair is not the signature is signed as it is. */
function withoutTrailingSignature(part: string): string {
  const match = /(^|&)signature=[^&]*$/.exec(part);
  return match === null ? part : part.slice(0, match.index);
}

/** What a client does: HMAC-SHA256 hex of the text it sends (used by the fake's own spec). */
export function signPayload(payload: string, apiSecret: string): string {
  return createHmac('sha256', apiSecret).update(payload).digest('hex');
}
