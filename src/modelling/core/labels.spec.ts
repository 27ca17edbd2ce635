import { deadZoneHalfWidth, labelCandles, LabelConfig, signalClasses } from './labels';
import { ModelCandle } from './model-candle';

const HOUR = 3_600_000;
function candlesFromCloses(closes: number[]): ModelCandle[] {
  return closes.map((close, i) => ({
    openTime: i * HOUR,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    quoteAssetVolume: close,
    trades: 1,
    takerBuyBaseVolume: 0.5,
    takerBuyQuoteVolume: close / 2,
  }));
}

describe('labels', () => {
  const config: LabelConfig = { horizonCandles: 2, feePerSide: 0.001, slippageBpsPerSide: 5, holdClass: true };

  it('uses a dead zone as wide as round-trip fees plus slippage', () => {
    expect(deadZoneHalfWidth(config)).toBeCloseTo(2 * (0.001 + 0.0005), 15);
    expect(deadZoneHalfWidth({ ...config, extraDeadZone: 0.002 })).toBeCloseTo(0.005, 15);
  });

  it('labels BUY above, SELL below and HOLD inside the dead zone, from close(t) to close(t + H)', () => {
    // Returns over 2 candles from t = 0, 1, 2: +1 %, -1 %, +0.1 %.
    const labels = labelCandles(candlesFromCloses([100, 100, 101, 99, 101.101]), HOUR, config);
    expect(signalClasses(config)).toEqual(['SELL', 'HOLD', 'BUY']);
    expect(labels.map((l) => l?.label ?? null)).toEqual([2, 0, 1, null, null]);
    expect(labels[0]?.futureReturn).toBeCloseTo(0.01, 12);
  });

  it('drops dead-zone rows instead when HOLD is not a class', () => {
    const labels = labelCandles(candlesFromCloses([100, 100, 101, 99, 101.101]), HOUR, { ...config, holdClass: false });
    expect(signalClasses({ holdClass: false })).toEqual(['SELL', 'BUY']);
    expect(labels.map((l) => (l === null ? 'no window' : l.label))).toEqual([1, 0, null, 'no window', 'no window']);
  });

  it('rejects invalid settings', () => {
    expect(() => labelCandles([], HOUR, { ...config, horizonCandles: 0 })).toThrow(/horizonCandles/);
    expect(() => labelCandles([], HOUR, { ...config, feePerSide: -1 })).toThrow(/feePerSide/);
  });
});
