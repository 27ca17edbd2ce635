import { gridCeil, gridFloor, lastClosedOpenTime, slotCount, stepBack } from './candle-grid';

const HOUR = 3_600_000;

describe('candle grid', () => {
  it('the last closed candle is the one before the candle containing the server time', () => {
    const noon = Date.UTC(2024, 5, 1, 12);
    expect(lastClosedOpenTime('1h', noon + 30 * 60_000)).toBe(noon - HOUR);
    expect(lastClosedOpenTime('1h', noon + HOUR - 1)).toBe(noon - HOUR);
    expect(lastClosedOpenTime('1h', noon + HOUR)).toBe(noon);
    expect(lastClosedOpenTime('1M', Date.UTC(2024, 2, 15))).toBe(Date.UTC(2024, 1, 1));
    expect(lastClosedOpenTime('1w', Date.UTC(2024, 0, 3))).toBe(Date.UTC(2023, 11, 25)); // Mondays
  });

  it('counts slots and steps on fixed and monthly grids', () => {
    expect(slotCount('1h', Date.UTC(2024, 0, 1, 0, 30), Date.UTC(2024, 0, 1, 5))).toBe(5);
    expect(slotCount('1M', Date.UTC(2024, 0, 1), Date.UTC(2024, 11, 31))).toBe(12);
    expect(gridCeil('1h', Date.UTC(2024, 0, 1, 0, 1))).toBe(Date.UTC(2024, 0, 1, 1));
    expect(gridFloor('1d', Date.UTC(2024, 0, 1, 23))).toBe(Date.UTC(2024, 0, 1));
    expect(stepBack('1M', Date.UTC(2024, 0, 1), 2)).toBe(Date.UTC(2023, 10, 1));
  });
});
