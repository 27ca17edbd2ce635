/**
 * A pre-sorted CART classifier builder that produces exactly the trees ml-cart 2.1.1
 * (`DecisionTreeClassifier`, gini, "mean" split) would build on the same training matrix, in
 * ml-cart's own JSON format, so `DecisionTreeClassifier.load` / `RandomForestClassifier.load` read
 * them back unchanged.
 *
 * Why: ml-cart evaluates every candidate threshold with a fresh O(n) pass (O(n^2) per feature and
 * node). Here each feature is sorted once per tree and kept sorted through stable partitions, so a
 * node costs O(n) per feature.
 *
 * "Exactly" includes floating point: ml-cart computes class frequencies by adding 1/len once per
 * row, and its stopping rules compare gains with `>` and `!==`. The scan ranks candidates with
 * exact integer counts, then re-scores the near-best ones with ml-cart's own arithmetic
 * (`repeatedSum`) so ties and thresholds resolve the same way.
 */

export interface CartTreeOptions {
  /** A node with this many rows or fewer becomes a leaf (ml-cart `minNumSamples`). */
  minNumSamples: number;
  /** Nodes at this depth become leaves; the root is depth 0 (ml-cart `maxDepth`). */
  maxDepth: number;
  /** A split must gain strictly more gini than this (ml-cart `gainThreshold`). */
  gainThreshold: number;
}

/** ml-cart's defaults for `DecisionTreeClassifier`. */
export const ML_CART_DEFAULT_OPTIONS: Readonly<CartTreeOptions> = { minNumSamples: 3, maxDepth: Infinity, gainThreshold: 0.01 };

/** One node as ml-cart's `TreeNode` serialises it (field order matters for byte-identical JSON). */
export interface CartNodeJson {
  kind: 'classifier';
  gainFunction: 'gini';
  splitFunction: 'mean';
  minNumSamples: number;
  maxDepth: number;
  gainThreshold: number;
  splitValue?: number;
  splitColumn?: number;
  gain?: number;
  numberSamples?: number;
  left?: CartNodeJson;
  right?: CartNodeJson;
  /** Leaf class frequencies as a 1-row matrix, index = class label. */
  distribution?: number[][];
}

export interface DecisionTreeClassifierJson {
  options: {
    gainFunction: 'gini';
    splitFunction: 'mean';
    minNumSamples: number;
    maxDepth: number;
    gainThreshold: number;
    kind: 'classifier';
  };
  root: CartNodeJson;
  name: 'DTClassifier';
}

/**
 * Training rows in the layout the builder wants: per feature, the row indexes sorted by value (ties
 * by row index) with the values and labels in that same order, so building a tree's sorted columns
 * is a sequential scan. Built once and shared (SharedArrayBuffer) by all trees and worker threads.
 */
export interface PresortedData {
  rowCount: number;
  featureCount: number;
  classCount: number;
  /** sortedRows[feature * rowCount + rank] = row */
  sortedRows: Int32Array;
  /** sortedValues[feature * rowCount + rank] = value of that row */
  sortedValues: Float64Array;
  /** sortedLabels[feature * rowCount + rank] = label of that row */
  sortedLabels: Uint8Array;
}

/**
 * Exactly what `let s = 0; for (let i = 0; i < count; i++) s += increment;` returns, in
 * O(log count) instead of O(count). Needed because ml-cart builds class frequencies that way and
 * the rounding differs from `count / len`.
 *
 * Why it works: while the running sum stays within one binade [2^e, 2^(e+1)), every addition is
 * rounded to the same grid, so after one step the increment is constant (with round-half-even the
 * first step can differ, hence two probing steps); we jump over the rest of the binade at once.
 */
export function repeatedSum(increment: number, count: number): number {
  if (count <= 0) return 0;
  let sum = increment;
  let done = 1;
  while (done < count) {
    const upper = nextPowerOfTwoAbove(sum);
    const first = sum + increment;
    done++;
    if (done === count || first >= upper) {
      sum = first;
      continue;
    }
    const second = first + increment;
    done++;
    if (done === count || second >= upper) {
      sum = second;
      continue;
    }
    const step = second - first;
    // Stay two steps clear of the binade edge so every jumped step is rounded on the same grid.
    const jump = Math.min(Math.floor((upper - second) / step) - 2, count - done);
    if (jump > 0) {
      sum = second + jump * step;
      done += jump;
    } else {
      sum = second;
    }
  }
  return sum;
}

function nextPowerOfTwoAbove(value: number): number {
  let power = 2 ** Math.floor(Math.log2(value));
  if (power > value) power /= 2;
  while (power * 2 <= value) power *= 2;
  return power * 2;
}

/** ml-cart's `giniImpurity` for a node whose class counts are `counts` (first `classCount` entries). */
function exactGini(counts: ArrayLike<number>, offset: number, classCount: number, length: number): number {
  if (length === 0) return 0;
  const increment = 1 / length;
  let sumOfSquares = 0.0;
  for (let k = 0; k < classCount; k++) {
    const count = counts[offset + k];
    if (count > 0) {
      const probability = repeatedSum(increment, count);
      sumOfSquares += probability * probability;
    }
  }
  return 1 - sumOfSquares;
}

/** ml-cart's `toDiscreteDistribution(y, getNumberOfClasses(y))` as it appears in JSON. */
function exactDistribution(counts: ArrayLike<number>, classCount: number, length: number): number[][] {
  let highestPresent = -1;
  for (let k = 0; k < classCount; k++) if (counts[k] > 0) highestPresent = k;
  const increment = 1 / length;
  const row: number[] = [];
  for (let k = 0; k <= highestPresent; k++) row.push(repeatedSum(increment, counts[k]));
  return [row];
}

/** Stable argsort of a float64 column by value, ties by row index (LSD radix on the IEEE bits). */
export function argsortColumn(column: Float64Array): Int32Array {
  const length = column.length;
  const bits = new Uint32Array(column.buffer, column.byteOffset, length * 2);
  // Map doubles to unsigned keys that sort like the numbers: flip all bits of negatives, the sign bit of positives.
  const high = new Uint32Array(length);
  const low = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const lo = bits[2 * i];
    const hi = bits[2 * i + 1];
    if (hi & 0x80000000) {
      high[i] = ~hi >>> 0;
      low[i] = ~lo >>> 0;
    } else {
      high[i] = (hi | 0x80000000) >>> 0;
      low[i] = lo;
    }
  }
  let order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  let scratch = new Int32Array(length);
  const counts = new Uint32Array(65537);
  const passes: Array<[Uint32Array, number]> = [
    [low, 0],
    [low, 16],
    [high, 0],
    [high, 16],
  ];
  for (const [keys, shift] of passes) {
    counts.fill(0);
    for (let i = 0; i < length; i++) counts[((keys[i] >>> shift) & 0xffff) + 1]++;
    if (counts[((keys[0] >>> shift) & 0xffff) + 1] === length) continue; // every key shares this digit
    for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (let i = 0; i < length; i++) {
      const row = order[i];
      scratch[counts[(keys[row] >>> shift) & 0xffff]++] = row;
    }
    [order, scratch] = [scratch, order];
  }
  return order;
}

/** Buffers of a `PresortedData`, allocated by the caller (plain or shared memory). */
export interface PresortBuffers {
  sortedRows: Int32Array;
  sortedValues: Float64Array;
  sortedLabels: Uint8Array;
}

export function allocatePresortBuffers(rowCount: number, featureCount: number, shared: boolean): PresortBuffers {
  const cells = rowCount * featureCount;
  const make = (bytes: number): ArrayBufferLike => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return {
    sortedRows: new Int32Array(make(cells * 4)),
    sortedValues: new Float64Array(make(cells * 8)),
    sortedLabels: new Uint8Array(make(cells)),
  };
}

/**
 * Validates rows (row-major) and labels and fills `buffers` feature by feature.
 * Rejects non-finite values: ml-cart's comparisons silently misplace NaN.
 */
export function presortRows(
  rows: ReadonlyArray<ArrayLike<number>>,
  labels: ArrayLike<number>,
  classCount: number,
  buffers: PresortBuffers = allocatePresortBuffers(rows.length, rows[0]?.length ?? 0, false),
): PresortedData {
  const rowCount = rows.length;
  if (rowCount === 0) throw new RangeError('no training rows');
  if (labels.length !== rowCount) throw new RangeError(`got ${rowCount} rows but ${labels.length} labels`);
  if (!Number.isInteger(classCount) || classCount < 1 || classCount > 255) throw new RangeError(`classCount must be 1..255, got ${classCount}`);
  const featureCount = rows[0].length;
  const labelArray = new Uint8Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    const label = labels[r];
    if (!Number.isInteger(label) || label < 0 || label >= classCount) throw new RangeError(`label of row ${r} must be an integer in [0, ${classCount}), got ${label}`);
    labelArray[r] = label;
    const row = rows[r];
    if (row.length !== featureCount) throw new RangeError(`row ${r} has ${row.length} features, expected ${featureCount}`);
    for (let f = 0; f < featureCount; f++) {
      const value = row[f];
      // |x| <= 1e300 keeps ml-cart's (a + b) / 2 thresholds finite.
      if (!Number.isFinite(value) || Math.abs(value) > 1e300) throw new RangeError(`row ${r} feature ${f} is not a usable finite number: ${value}`);
    }
  }
  const column = new Float64Array(rowCount);
  for (let f = 0; f < featureCount; f++) {
    // + 0 turns -0 into 0: ml-cart's sort treats them as equal, the radix sort would not.
    for (let r = 0; r < rowCount; r++) column[r] = rows[r][f] + 0;
    const order = argsortColumn(column);
    const base = f * rowCount;
    buffers.sortedRows.set(order, base);
    for (let rank = 0; rank < rowCount; rank++) {
      const row = order[rank];
      buffers.sortedValues[base + rank] = column[row];
      buffers.sortedLabels[base + rank] = labelArray[row];
    }
  }
  return { rowCount, featureCount, classCount, ...buffers };
}

/** Per-build working memory, reusable across trees of one worker to avoid re-allocating. */
export class CartWorkspace {
  private capacity = 0;
  private columnCapacity = 0;
  positions = new Int32Array(0);
  values = new Float64Array(0);
  labels = new Uint8Array(0);
  scratchPositions = new Int32Array(0);
  scratchValues = new Float64Array(0);
  scratchLabels = new Uint8Array(0);
  goesLeft = new Uint8Array(0);

  ensure(sampleSize: number, columnCount: number): void {
    if (sampleSize <= this.capacity && columnCount <= this.columnCapacity) return;
    this.capacity = Math.max(sampleSize, this.capacity);
    this.columnCapacity = Math.max(columnCount, this.columnCapacity);
    const cells = this.capacity * this.columnCapacity;
    this.positions = new Int32Array(cells);
    this.values = new Float64Array(cells);
    this.labels = new Uint8Array(cells);
    this.scratchPositions = new Int32Array(this.capacity);
    this.scratchValues = new Float64Array(this.capacity);
    this.scratchLabels = new Uint8Array(this.capacity);
    this.goesLeft = new Uint8Array(this.capacity);
  }
}

interface SplitChoice {
  column: number;
  value: number;
  gain: number;
  lesserCount: number;
}

/**
 * Builds one tree on the training matrix formed by `sampleRows` (row indexes into `data`, ascending,
 * repeats allowed and adjacent) and the columns `featureIndexes` (in that order, like ml-random-forest's
 * per-tree feature selection). Equivalent to
 * `new DecisionTreeClassifier(options).train(matrix, labels).toJSON()` on that matrix.
 */
export function buildCartTree(
  data: PresortedData,
  sampleRows: Int32Array,
  featureIndexes: readonly number[],
  options: CartTreeOptions,
  workspace: CartWorkspace = new CartWorkspace(),
): DecisionTreeClassifierJson {
  const sampleSize = sampleRows.length;
  if (sampleSize === 0) throw new RangeError('a tree needs at least one training row');
  const columnCount = featureIndexes.length;
  for (let i = 1; i < sampleSize; i++) {
    if (sampleRows[i] < sampleRows[i - 1]) throw new RangeError('sampleRows must be ascending');
  }
  workspace.ensure(sampleSize, columnCount);
  const { rowCount, classCount } = data;

  // Where each row's copies sit in the sample (copies are adjacent because the sample is ascending).
  const firstPosition = new Int32Array(rowCount);
  const copies = new Uint16Array(rowCount);
  for (let p = 0; p < sampleSize; p++) {
    const row = sampleRows[p];
    if (copies[row] === 0) firstPosition[row] = p;
    if (copies[row] === 0xffff) throw new RangeError(`row ${row} is repeated more than 65535 times`);
    copies[row]++;
  }

  // Per column: positions sorted by (value, position) — the order ml-cart's stable sort gives.
  const { positions, values, labels } = workspace;
  const { sortedRows, sortedValues, sortedLabels } = data;
  for (let c = 0; c < columnCount; c++) {
    const feature = featureIndexes[c];
    if (!Number.isInteger(feature) || feature < 0 || feature >= data.featureCount) throw new RangeError(`feature index ${feature} out of range`);
    const base = feature * rowCount;
    let write = c * sampleSize;
    for (let rank = base; rank < base + rowCount; rank++) {
      const row = sortedRows[rank];
      const copyCount = copies[row];
      if (copyCount === 0) continue;
      const value = sortedValues[rank];
      const label = sortedLabels[rank];
      const first = firstPosition[row];
      for (let k = 0; k < copyCount; k++) {
        positions[write] = first + k;
        values[write] = value;
        labels[write] = label;
        write++;
      }
    }
  }

  const treeOptions = {
    gainFunction: 'gini' as const,
    splitFunction: 'mean' as const,
    minNumSamples: options.minNumSamples,
    maxDepth: options.maxDepth,
    gainThreshold: options.gainThreshold,
    kind: 'classifier' as const,
  };
  const builder = new NodeBuilder(workspace, sampleSize, columnCount, classCount, options);
  const root = builder.build(0, sampleSize, 0, null);
  return { options: treeOptions, root, name: 'DTClassifier' };
}

class NodeBuilder {
  private readonly nodeCounts: Int32Array;
  private readonly runningCounts: Int32Array;
  private readonly runStartCounts: Int32Array;
  private readonly lesserCounts: Int32Array;
  private readonly greaterCounts: Int32Array;
  // Shortlist of near-best candidates: column, threshold, lesser size, lesser counts, score.
  private shortlistColumn = new Int32Array(64);
  private shortlistValue = new Float64Array(64);
  private shortlistLesser = new Int32Array(64);
  private shortlistScore = new Float64Array(64);
  private shortlistCounts = new Int32Array(64 * 4);

  constructor(
    private readonly workspace: CartWorkspace,
    private readonly sampleSize: number,
    private readonly columnCount: number,
    private readonly classCount: number,
    private readonly options: CartTreeOptions,
  ) {
    this.nodeCounts = new Int32Array(classCount);
    this.runningCounts = new Int32Array(classCount);
    this.runStartCounts = new Int32Array(classCount);
    this.lesserCounts = new Int32Array(classCount);
    this.greaterCounts = new Int32Array(classCount);
    this.shortlistCounts = new Int32Array(64 * classCount);
  }

  build(start: number, end: number, depth: number, parentGain: number | null): CartNodeJson {
    const { minNumSamples, maxDepth, gainThreshold } = this.options;
    const node: CartNodeJson = {
      kind: 'classifier',
      gainFunction: 'gini',
      splitFunction: 'mean',
      minNumSamples,
      maxDepth,
      gainThreshold: gainThreshold || 0,
    };
    const size = end - start;
    const counts = this.countClasses(start, end);
    if (size <= minNumSamples) {
      node.distribution = exactDistribution(counts, this.classCount, size);
      return node;
    }
    // ml-cart searches (and records) the best split even where depth or gain then forbid it.
    const split = this.bestSplit(start, end, counts);
    node.splitValue = split?.value;
    node.splitColumn = split?.column;
    node.gain = split ? split.gain : -Infinity;
    node.numberSamples = split ? size : undefined;
    if (
      split &&
      depth < maxDepth &&
      split.gain > (gainThreshold || 0) &&
      split.gain !== parentGain &&
      split.lesserCount > 0 &&
      split.lesserCount < size
    ) {
      const middle = this.partition(start, end, split);
      node.left = this.build(start, middle, depth + 1, split.gain);
      node.right = this.build(middle, end, depth + 1, split.gain);
      return node;
    }
    node.distribution = exactDistribution(this.countClasses(start, end), this.classCount, size);
    return node;
  }

  private countClasses(start: number, end: number): Int32Array {
    const counts = this.nodeCounts;
    counts.fill(0);
    const labels = this.workspace.labels;
    for (let i = start; i < end; i++) counts[labels[i]]++;
    return counts;
  }

  private bestSplit(start: number, end: number, nodeCounts: Int32Array): SplitChoice | null {
    const { values, labels } = this.workspace;
    const classCount = this.classCount;
    const size = end - start;
    const running = this.runningCounts;
    const runStartCounts = this.runStartCounts;
    // Gains are compared through score = sum(c^2)/len over both sides (gain = parentGini - 1 + score/size).
    // The tolerance exceeds the worst rounding gap between this score and ml-cart's arithmetic.
    const scoreTolerance = 4 * (1e-15 * size + 1e-13) * size;
    let bestScore = -Infinity;
    let shortlisted = 0;

    const nodeCount0 = nodeCounts[0];
    const nodeCount1 = classCount > 1 ? nodeCounts[1] : 0;
    const nodeCount2 = classCount > 2 ? nodeCounts[2] : 0;
    for (let c = 0; c < this.columnCount; c++) {
      const base = c * this.sampleSize;
      let runStart = start;
      let previousValue = values[base + start];
      let previousLabel = labels[base + start];
      if (classCount <= 3) {
        // Hot path (SELL/BUY or SELL/HOLD/BUY): counts in locals instead of arrays.
        let running0 = 0;
        let running1 = 0;
        let running2 = 0;
        let runStart0 = 0;
        let runStart1 = 0;
        let runStart2 = 0;
        if (previousLabel === 0) running0++;
        else if (previousLabel === 1) running1++;
        else running2++;
        for (let i = start + 1; i < end; i++) {
          const value = values[base + i];
          const label = labels[base + i];
          if (label !== previousLabel) {
            const threshold = (previousValue + value) / 2;
            // Rows "lesser" than the threshold: all before i, unless rounding put the threshold on previousValue.
            const useRunStart = !(threshold > previousValue);
            const lesser = useRunStart ? runStart - start : i - start;
            const lesser0 = useRunStart ? runStart0 : running0;
            const lesser1 = useRunStart ? runStart1 : running1;
            const lesser2 = useRunStart ? runStart2 : running2;
            const greater = size - lesser;
            const greater0 = nodeCount0 - lesser0;
            const greater1 = nodeCount1 - lesser1;
            const greater2 = nodeCount2 - lesser2;
            let score = 0;
            if (lesser > 0) score += (lesser0 * lesser0 + lesser1 * lesser1 + lesser2 * lesser2) / lesser;
            if (greater > 0) score += (greater0 * greater0 + greater1 * greater1 + greater2 * greater2) / greater;
            if (score >= bestScore - scoreTolerance) {
              if (score > bestScore) bestScore = score;
              runStartCounts[0] = lesser0;
              if (classCount > 1) runStartCounts[1] = lesser1;
              if (classCount > 2) runStartCounts[2] = lesser2;
              this.pushShortlist(shortlisted++, c, threshold, lesser, runStartCounts, score);
            }
          }
          if (value !== previousValue) {
            runStart = i;
            runStart0 = running0;
            runStart1 = running1;
            runStart2 = running2;
          }
          if (label === 0) running0++;
          else if (label === 1) running1++;
          else running2++;
          previousValue = value;
          previousLabel = label;
        }
        continue;
      }
      running.fill(0);
      runStartCounts.fill(0);
      running[previousLabel]++;
      for (let i = start + 1; i < end; i++) {
        const value = values[base + i];
        const label = labels[base + i];
        if (label !== previousLabel) {
          const threshold = (previousValue + value) / 2;
          const useRunStart = !(threshold > previousValue);
          const lesser = useRunStart ? runStart - start : i - start;
          const lesserCounts = useRunStart ? runStartCounts : running;
          const greater = size - lesser;
          let score = 0;
          for (let k = 0; k < classCount; k++) {
            const lesserK = lesserCounts[k];
            const greaterK = nodeCounts[k] - lesserK;
            if (lesser > 0) score += (lesserK * lesserK) / lesser;
            if (greater > 0) score += (greaterK * greaterK) / greater;
          }
          if (score >= bestScore - scoreTolerance) {
            if (score > bestScore) bestScore = score;
            this.pushShortlist(shortlisted++, c, threshold, lesser, lesserCounts, score);
          }
        }
        if (value !== previousValue) {
          runStart = i;
          runStartCounts.set(running);
        }
        running[label]++;
        previousValue = value;
        previousLabel = label;
      }
    }
    if (shortlisted === 0) return null;

    const parentGini = exactGini(nodeCounts, 0, classCount, size);
    let best: SplitChoice | null = null;
    let bestGain = -Infinity;
    const lesserCounts = this.lesserCounts;
    const greaterCounts = this.greaterCounts;
    for (let s = 0; s < shortlisted; s++) {
      if (this.shortlistScore[s] < bestScore - scoreTolerance) continue;
      const lesser = this.shortlistLesser[s];
      const greater = size - lesser;
      for (let k = 0; k < classCount; k++) {
        lesserCounts[k] = this.shortlistCounts[s * classCount + k];
        greaterCounts[k] = nodeCounts[k] - lesserCounts[k];
      }
      // ml-cart's giniGain: greater side first, then lesser, each weighted as (gini * len) / n.
      let splitsImpurity = 0.0;
      splitsImpurity += (exactGini(greaterCounts, 0, classCount, greater) * greater) / size;
      splitsImpurity += (exactGini(lesserCounts, 0, classCount, lesser) * lesser) / size;
      const gain = parentGini - splitsImpurity;
      if (gain > bestGain) {
        bestGain = gain;
        best = { column: this.shortlistColumn[s], value: this.shortlistValue[s], gain, lesserCount: lesser };
      }
    }
    return best;
  }

  private pushShortlist(index: number, column: number, value: number, lesser: number, counts: Int32Array, score: number): void {
    if (index >= this.shortlistColumn.length) {
      const grow = <T extends Int32Array | Float64Array>(array: T): T => {
        const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
        bigger.set(array);
        return bigger;
      };
      this.shortlistColumn = grow(this.shortlistColumn);
      this.shortlistValue = grow(this.shortlistValue);
      this.shortlistLesser = grow(this.shortlistLesser);
      this.shortlistScore = grow(this.shortlistScore);
      this.shortlistCounts = grow(this.shortlistCounts);
    }
    this.shortlistColumn[index] = column;
    this.shortlistValue[index] = value;
    this.shortlistLesser[index] = lesser;
    this.shortlistScore[index] = score;
    this.shortlistCounts.set(counts, index * this.classCount);
  }

  /** Stable partition of every column's segment into rows < threshold (left) and the rest. */
  private partition(start: number, end: number, split: SplitChoice): number {
    const ws = this.workspace;
    const { positions, values, labels, goesLeft, scratchPositions, scratchValues, scratchLabels } = ws;
    const chosenBase = split.column * this.sampleSize;
    for (let i = start; i < end; i++) {
      goesLeft[positions[chosenBase + i]] = values[chosenBase + i] < split.value ? 1 : 0;
    }
    let middle = start;
    for (let c = 0; c < this.columnCount; c++) {
      const base = c * this.sampleSize;
      let write = base + start;
      let spill = 0;
      for (let i = base + start; i < base + end; i++) {
        const position = positions[i];
        if (goesLeft[position] === 1) {
          positions[write] = position;
          values[write] = values[i];
          labels[write] = labels[i];
          write++;
        } else {
          scratchPositions[spill] = position;
          scratchValues[spill] = values[i];
          scratchLabels[spill] = labels[i];
          spill++;
        }
      }
      positions.set(scratchPositions.subarray(0, spill), write);
      values.set(scratchValues.subarray(0, spill), write);
      labels.set(scratchLabels.subarray(0, spill), write);
      middle = write - base;
    }
    return middle;
  }
}
