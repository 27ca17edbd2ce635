import { ConfigService } from '@nestjs/config';
import { LIVE_CONFIRMATION, validateEnvironment } from '../config/environment';
import { BINANCE_PRODUCTION_URL, BINANCE_TESTNET_URL, readTradingSettings } from './trading.settings';

const credentials = { BINANCE_API_KEY: 'abcdefABCDEF0123456789', BINANCE_API_SECRET: 'secret-0123456789-abcdef' };
const settingsOf = (raw: Record<string, string>) => readTradingSettings(new ConfigService({ ...validateEnvironment(raw) }));

describe('trading settings: live only with both opt-ins', () => {
  it('defaults to paper with the documented risk limits', () => {
    const settings = settingsOf({});
    expect(settings).toMatchObject({ mode: 'paper', liveEnabled: false, paperBecause: null, binance: null });
    expect(settings.risk).toEqual({ maxPositionNotional: 1000, maxDailyLoss: 100, maxOrdersPerHour: 10 });
  });

  it.each([
    [{ TRADING_MODE: 'live' }, 'TRADING_MODE=live without TRADING_LIVE_CONFIRM'],
    [{ TRADING_MODE: 'live', TRADING_LIVE_CONFIRM: 'i_understand_real_orders' }, 'TRADING_MODE=live without TRADING_LIVE_CONFIRM'],
    [{ TRADING_LIVE_CONFIRM: LIVE_CONFIRMATION }, 'TRADING_LIVE_CONFIRM is set but TRADING_MODE is not live'],
  ])('%j runs paper and says why', (optIn, reason) => {
    const settings = settingsOf({ ...credentials, ...optIn });
    expect(settings).toMatchObject({ mode: 'paper', liveEnabled: false, binance: null });
    expect(settings.paperBecause).toContain(reason);
  });

  it('both opt-ins: live on production, the testnet, or the override', () => {
    const live = { ...credentials, TRADING_MODE: 'live', TRADING_LIVE_CONFIRM: LIVE_CONFIRMATION };
    expect(settingsOf(live)).toMatchObject({ mode: 'live', liveEnabled: true, binance: { baseUrl: BINANCE_PRODUCTION_URL, testnet: false } });
    expect(settingsOf({ ...live, BINANCE_TESTNET: 'true' }).binance?.baseUrl).toBe(BINANCE_TESTNET_URL);
    expect(settingsOf({ ...live, BINANCE_TESTNET: 'true', BINANCE_TRADING_BASE_URL: 'http://127.0.0.1:9/' }).binance?.baseUrl).toBe('http://127.0.0.1:9');
  });

  it('bad values stop the start naming the variable', () => {
    expect(() => validateEnvironment({ TRADING_MODE: 'real' })).toThrow(/TRADING_MODE must be paper or live/);
    expect(() => validateEnvironment({ TRADING_MAX_ORDERS_PER_HOUR: '1.5' })).toThrow(/TRADING_MAX_ORDERS_PER_HOUR/);
    expect(() => validateEnvironment({ TRADING_MAX_DAILY_LOSS: '-1' })).toThrow(/TRADING_MAX_DAILY_LOSS/);
    expect(() => validateEnvironment({ TRADING_STOP_LOSS: '1.5' })).toThrow(/TRADING_STOP_LOSS/);
    expect(() => validateEnvironment({ BINANCE_TESTNET: 'yes' })).toThrow(/BINANCE_TESTNET/);
    expect(() => validateEnvironment({ BINANCE_TRADING_BASE_URL: 'ftp://x' })).toThrow(/BINANCE_TRADING_BASE_URL/);
    expect(() => validateEnvironment({ TRADING_MODE: 'live', TRADING_LIVE_CONFIRM: LIVE_CONFIRMATION })).toThrow(/BINANCE_API_KEY[\s\S]*BINANCE_API_SECRET/);
  });
});
