import { downsampleMinMax } from './downsample';

describe('downsampleMinMax', () => {
  const series = (values: number[]) => values.map((value, time) => ({ time, value }));

  it('returns a short series unchanged', () => {
    const rows = series([3, 1, 2]);
    expect(downsampleMinMax(rows, 3, (row) => row.value)).toEqual(rows);
  });

  it('keeps the first, the last and the extremes of every bucket, in time order, within maxPoints', () => {
    // A slow rise with one deep trough and one spike inside: plain sampling every 100th point would miss both.
    const values = Array.from({ length: 10_000 }, (_, index) => 100 + index / 100);
    values[4_321] = 5;
    values[7_777] = 999;
    const rows = series(values);
    const drawn = downsampleMinMax(rows, 200, (row) => row.value);
    expect(drawn.length).toBeLessThanOrEqual(200);
    expect(drawn.length).toBeGreaterThan(150);
    expect(drawn[0]).toBe(rows[0]);
    expect(drawn[drawn.length - 1]).toBe(rows[rows.length - 1]);
    expect(drawn.map((row) => row.time)).toEqual([...drawn.map((row) => row.time)].sort((a, b) => a - b));
    expect(drawn).toContain(rows[4_321]);
    expect(drawn).toContain(rows[7_777]);
    expect(Math.min(...drawn.map((row) => row.value))).toBe(5);
    expect(Math.max(...drawn.map((row) => row.value))).toBe(999);
  });

  it('refuses a maxPoints below 2', () => {
    expect(() => downsampleMinMax(series([1, 2, 3]), 1, (row) => row.value)).toThrow(RangeError);
  });
});
