import { missingPredictions } from './backtest-runner.service';
import type { CandleSeries } from './engine/backtest-engine';

const H = 3_600_000;

function series(openTimes: number[]): CandleSeries {
  const column = () => Float64Array.from(openTimes, () => 1);
  return { symbol: 'X', intervalMs: H, openTime: Float64Array.from(openTimes), open: column(), high: column(), low: column(), close: column() };
}

describe('missingPredictions', () => {
  // Look-back 3; candles 0..9 with candle 6 missing (a gap): candles 7 and 8 lack a complete window.
  const times = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10].map((i) => i * H);
  const extended = series(times);
  const range = series(times.slice(2)); // the backtest range starts at candle 2

  it('finds the first and last predictable candle without a stored prediction', () => {
    const signals = new Int8Array(8); // none stored
    expect(missingPredictions(extended, range, signals, 3)).toEqual({ from: 2 * H, to: 10 * H });
  });

  it('ignores candles that cannot be predicted (incomplete window after a gap) and ones already predicted', () => {
    // Predicted: 2, 3, 4, 5 and 10; 7 and 8 have no complete window; 9 is the only missing one.
    const signals = Int8Array.from([3, 3, 1, 2, 0, 0, 0, 3]);
    expect(missingPredictions(extended, range, signals, 3)).toEqual({ from: 9 * H, to: 9 * H });
    expect(missingPredictions(extended, range, Int8Array.from([3, 3, 1, 2, 0, 0, 1, 3]), 3)).toBeNull();
  });

  it('needs the look-back before the range: the first candles of the stored data have none', () => {
    const alone = series(times.slice(2));
    expect(missingPredictions(alone, alone, new Int8Array(8), 3)).toEqual({ from: 4 * H, to: 10 * H });
  });
});
