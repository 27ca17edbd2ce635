import { LIVE_CONFIRMATION } from '../../src/config/environment';

/** The variables that make the app trade live against the fake Binance at `fakeUrl` with one account's key. */
export function liveTradingEnvironment(fakeUrl: string, apiKey: string, apiSecret: string): Record<string, string> {
  return {
    TRADING_MODE: 'live',
    TRADING_LIVE_CONFIRM: LIVE_CONFIRMATION,
    BINANCE_API_KEY: apiKey,
    BINANCE_API_SECRET: apiSecret,
    BINANCE_TRADING_BASE_URL: fakeUrl,
    BINANCE_BASE_URL: fakeUrl,
  };
}
