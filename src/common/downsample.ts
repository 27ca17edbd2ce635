/** Most points one thinned curve may ask for (the `max_points` query parameter of the equity endpoints). */
export const MAX_CURVE_POINTS = 20_000;

/**
 * Thins a time-ordered series to at most `maxPoints` rows for drawing, keeping its shape: the first and the last row,
 * and in each of (maxPoints − 2) / 2 equal buckets between them the row with the lowest and the row with the highest
 * value, in time order. So every peak and every trough of the whole curve stays on the chart (a drawdown is never
 * smoothed away), where plain sampling would drop them. Returns the rows themselves when there are few enough.
 */
export function downsampleMinMax<T>(rows: readonly T[], maxPoints: number, valueOf: (row: T) => number): T[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new RangeError(`maxPoints must be an integer >= 2, got ${maxPoints}`);
  if (rows.length <= maxPoints) return [...rows];
  const inner = rows.length - 2;
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const kept: T[] = [rows[0]];
  for (let bucket = 0; bucket < buckets; bucket++) {
    const from = 1 + Math.floor((bucket * inner) / buckets);
    const to = 1 + Math.floor(((bucket + 1) * inner) / buckets);
    if (from >= to) continue;
    let low = from;
    let high = from;
    for (let index = from + 1; index < to; index++) {
      const value = valueOf(rows[index]);
      if (value < valueOf(rows[low])) low = index;
      if (value > valueOf(rows[high])) high = index;
    }
    if (low === high) kept.push(rows[low]);
    else kept.push(rows[Math.min(low, high)], rows[Math.max(low, high)]);
  }
  kept.push(rows[rows.length - 1]);
  return kept;
}
