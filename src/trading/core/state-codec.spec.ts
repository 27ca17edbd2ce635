import { strategyStateFromJson, type StrategyStateJson, strategyStateToJson } from './state-codec';
import { createStrategyState, DEFAULT_STRATEGY_CONFIG, emptyStepEvents, stepCandle } from './strategy';
import { defaultSymbolRules } from './symbol-rules';

const H = 3_600_000;
const market = { rules: defaultSymbolRules('BTCUSDT'), fill: { feeRate: 0.001, slippageBps: 5 } };
const candle = (i: number) => ({ openTime: i * H, open: 30_000 + i, high: 30_100 + i, low: 29_900 + i, close: 30_050 + i });

describe('strategy state codec', () => {
  it('round-trips a long position with a pending exit through JSON text, and the restored state carries on identically', () => {
    const live = createStrategyState('BTCUSDT', 10_000);
    const events = emptyStepEvents();
    stepCandle(live, candle(0), 'BUY', DEFAULT_STRATEGY_CONFIG, market, events);
    stepCandle(live, candle(1), 'HOLD', DEFAULT_STRATEGY_CONFIG, market, events);
    stepCandle(live, candle(2), 'SELL', DEFAULT_STRATEGY_CONFIG, market, events);
    const text = JSON.stringify(strategyStateToJson(live));
    // 10 000 / (30 001 × 1.0005 × 1.001) = 0.332823… → 0.33282 BTC, kept as exact text.
    expect(text).toContain('"quantityUnits":"0.33282000"');
    const restored = strategyStateFromJson(JSON.parse(text) as StrategyStateJson);
    expect(restored).toEqual(live);
    const a = { ...stepCandle(live, candle(3), 'HOLD', DEFAULT_STRATEGY_CONFIG, market, emptyStepEvents()) };
    const b = { ...stepCandle(restored, candle(3), 'HOLD', DEFAULT_STRATEGY_CONFIG, market, emptyStepEvents()) };
    expect(b).toEqual(a);
    expect(a.trade).toMatchObject({ exitReason: 'signal', quantity: '0.33282000' });
  });

  it('round-trips a flat state', () => {
    const flat = createStrategyState('ETHUSDT', 500);
    expect(strategyStateFromJson(JSON.parse(JSON.stringify(strategyStateToJson(flat))) as StrategyStateJson)).toEqual(flat);
  });
});
