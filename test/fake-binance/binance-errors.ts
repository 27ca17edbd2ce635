/**
 * Error bodies as Binance spot sends them: HTTP 400 with {"code": <negative int>, "msg": <text>}.
 * Messages follow https://developers.binance.com/docs/binance-spot-api-docs/errors, with the '%s' filled in the
 * way real responses show them.
 */
export class BinanceApiError extends Error {
  constructor(
    readonly code: number,
    readonly binanceMessage: string,
    readonly httpStatus = 400,
  ) {
    super(`${code} ${binanceMessage}`);
  }

  toBody(): string {
    return JSON.stringify({ code: this.code, msg: this.binanceMessage });
  }
}

export const SYMBOL_PATTERN = '^[A-Z0-9-_.]{1,20}$';
export const UNSIGNED_INTEGER_PATTERN = '^[0-9]{1,20}$';
export const SYMBOLS_ARRAY_PATTERN = '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$';

export const binanceErrors = {
  illegalCharacters: (parameter: string, legalRange: string) =>
    new BinanceApiError(-1100, `Illegal characters found in parameter '${parameter}'; legal range is '${legalRange}'.`),
  duplicateParameter: () => new BinanceApiError(-1101, 'Duplicate values for a parameter detected.'),
  mandatoryParameterMissing: (parameter: string) =>
    new BinanceApiError(-1102, `Mandatory parameter '${parameter}' was not sent, was empty/null, or malformed.`),
  unreadParameters: (read: number, sent: number) =>
    new BinanceApiError(
      -1104,
      `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent}'.`,
    ),
  invalidInterval: () => new BinanceApiError(-1120, 'Invalid interval.'),
  invalidSymbol: () => new BinanceApiError(-1121, 'Invalid symbol.'),
  invalidParameterCombination: () => new BinanceApiError(-1128, 'Combination of optional parameters invalid.'),
  invalidParameterValue: (parameter: string) =>
    new BinanceApiError(-1130, `Data sent for parameter '${parameter}' is not valid.`),
  /** Not a Binance answer: marks a request the fake cannot simulate, so a test never mistakes it for real data. */
  notSimulated: (what: string) =>
    new BinanceApiError(-1000, `An unknown error occurred while processing the request.[fake-binance: ${what}]`),
};

export function tooMuchWeightBody(limit: number): string {
  return JSON.stringify({
    code: -1003,
    msg: `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
  });
}

export function ipBannedBody(bannedUntil: number): string {
  return JSON.stringify({
    code: -1003,
    msg: `Way too much request weight used; IP banned until ${bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
  });
}
