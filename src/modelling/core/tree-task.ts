import { buildCartTree, CartTreeOptions, CartWorkspace, DecisionTreeClassifierJson, PresortedData } from './cart-builder';
import { createRandom } from './random';

/** Everything needed to build tree i, fixed up front so the result does not depend on which thread builds it. */
export interface TreeTask {
  treeIndex: number;
  /** Seed of this tree's row sample. */
  rowSeed: number;
  sampleSize: number;
  withReplacement: boolean;
  /** Columns this tree sees, in ml-random-forest's `indexes[i]` order. */
  featureIndexes: number[];
}

/**
 * Row indexes of one tree's training sample, ascending (repeats adjacent when drawn with replacement).
 * Ascending order keeps ties in the presorted columns in sample order, which ml-cart equivalence needs.
 */
export function drawRowSample(rowCount: number, sampleSize: number, withReplacement: boolean, seed: number): Int32Array {
  if (!Number.isInteger(sampleSize) || sampleSize < 1) throw new RangeError(`sampleSize must be a positive integer, got ${sampleSize}`);
  const random = createRandom(seed);
  const sample = new Int32Array(sampleSize);
  if (withReplacement) {
    const copies = new Uint32Array(rowCount);
    for (let i = 0; i < sampleSize; i++) copies[random.nextInt(rowCount)]++;
    let write = 0;
    for (let row = 0; row < rowCount; row++) for (let k = 0; k < copies[row]; k++) sample[write++] = row;
    return sample;
  }
  if (sampleSize > rowCount) throw new RangeError(`cannot draw ${sampleSize} distinct rows from ${rowCount}`);
  // Selection sampling (Knuth's algorithm S): exactly sampleSize rows, already ascending, O(rowCount).
  let selected = 0;
  for (let row = 0; row < rowCount && selected < sampleSize; row++) {
    if (random.next() * (rowCount - row) < sampleSize - selected) sample[selected++] = row;
  }
  return sample;
}

export function runTreeTask(data: PresortedData, task: TreeTask, treeOptions: CartTreeOptions, workspace: CartWorkspace): DecisionTreeClassifierJson {
  const sample = drawRowSample(data.rowCount, task.sampleSize, task.withReplacement, task.rowSeed);
  return buildCartTree(data, sample, task.featureIndexes, treeOptions, workspace);
}
