/**
 * Random-forest trainer whose output is an ml-random-forest 2.1.0 `RandomForestClassifier` model
 * (`RandomForestClassifier.load(json)` predicts with it).
 *
 * Differences from `new RandomForestClassifier(options).train(X, y)`, and why:
 * - Every tree gets its own seeded row sample (ml-random-forest's `maxSamples` keeps only the first
 *   N rows, i.e. the oldest candles); across trees the whole training set is used.
 * - Each tree is built by cart-builder.ts, which gives ml-cart's exact tree in O(n log n) instead of
 *   O(n^2) per feature and node.
 * - Trees are built in worker threads sharing the presorted data; tree i's sample and columns depend
 *   only on (seed, i), so the model is identical whatever the thread count or scheduling.
 * - Columns per tree are drawn without replacement (ml-random-forest's default `replacement: true`
 *   draws them with replacement).
 */
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { RandomForestClassifier } from 'ml-random-forest';
import { allocatePresortBuffers, CartTreeOptions, CartWorkspace, DecisionTreeClassifierJson, presortRows, PresortedData } from './cart-builder';
import { FOREST_WORKER_MARKER, ForestWorkerData, ForestWorkerReply, ForestWorkerRequest } from './forest-worker';
import { createRandom, deriveSeed, sampleWithoutReplacement, assertSeed } from './random';
import { runTreeTask, TreeTask } from './tree-task';

export interface ForestTrainingOptions extends Partial<Omit<ForestSettings, 'tree'>> {
  /** Labels are 0..classCount-1. */
  classCount: number;
  /** Default 100. */
  nEstimators?: number;
  /** 32-bit unsigned integer; same seed + same data + same options = identical model. Default 42. */
  seed?: number;
  /** Columns per tree, read like ml-random-forest: a fraction in (0, 1] (floored, 1 = all) or an integer count > 1. Default 0.6. */
  maxFeatures?: number;
  /** Rows per tree as a fraction of the training rows. Default 0.5. */
  sampleFraction?: number;
  /** Upper bound on rows per tree (cost is about linear in it). Default 150 000. */
  maxSamplesPerTree?: number;
  /** Draw each tree's rows with replacement (bootstrap). Default false. */
  withReplacement?: boolean;
  /** ml-cart tree options. Defaults: maxDepth 10, minNumSamples 20, gainThreshold 0. */
  tree?: Partial<CartTreeOptions>;
  /** Worker threads; 1 builds in the calling thread (in the app that is the training worker thread). Default: available cores. */
  parallelism?: number;
  /** Reject forests that predict one class for everything or lose to the majority class on their own training rows. Default true. */
  rejectDegenerate?: boolean;
  /** Training rows (seeded sample) used by the degenerate-model check. Default 5 000. */
  degenerateCheckRows?: number;
  /** Class names used in error messages. */
  classNames?: readonly string[];
}

export const DEFAULT_TREE_OPTIONS: Readonly<CartTreeOptions> = { maxDepth: 10, minNumSamples: 20, gainThreshold: 0 };

/** The settings that determine a forest (everything but thread count and error-check knobs), defaults filled in. */
export interface ForestSettings {
  nEstimators: number;
  seed: number;
  maxFeatures: number;
  sampleFraction: number;
  maxSamplesPerTree: number;
  withReplacement: boolean;
  tree: CartTreeOptions;
}

export const DEFAULT_FOREST_SETTINGS: Readonly<ForestSettings> = {
  nEstimators: 100,
  seed: 42,
  maxFeatures: 0.6,
  sampleFraction: 0.5,
  maxSamplesPerTree: 150_000,
  withReplacement: false,
  tree: DEFAULT_TREE_OPTIONS,
};

export function forestSettings(options: Partial<Omit<ForestSettings, 'tree'>> & { tree?: Partial<CartTreeOptions> }): ForestSettings {
  return {
    nEstimators: options.nEstimators ?? DEFAULT_FOREST_SETTINGS.nEstimators,
    seed: options.seed ?? DEFAULT_FOREST_SETTINGS.seed,
    maxFeatures: options.maxFeatures ?? DEFAULT_FOREST_SETTINGS.maxFeatures,
    sampleFraction: options.sampleFraction ?? DEFAULT_FOREST_SETTINGS.sampleFraction,
    maxSamplesPerTree: options.maxSamplesPerTree ?? DEFAULT_FOREST_SETTINGS.maxSamplesPerTree,
    withReplacement: options.withReplacement ?? DEFAULT_FOREST_SETTINGS.withReplacement,
    tree: { ...DEFAULT_TREE_OPTIONS, ...options.tree },
  };
}

/** ml-random-forest 2.1.0's `RandomForestClassifier#toJSON()` shape. */
export interface RandomForestClassifierJson {
  name: 'RFClassifier';
  baseModel: {
    indexes: number[][];
    n: number;
    replacement: boolean;
    maxFeatures: number;
    nEstimators: number;
    treeOptions: CartTreeOptions;
    isClassifier: true;
    seed: number;
    estimators: DecisionTreeClassifierJson[];
    useSampleBagging: boolean;
  };
}

export interface ForestTrainingStats {
  rowCount: number;
  featureCount: number;
  treeCount: number;
  rowsPerTree: number;
  featuresPerTree: number;
  workerCount: number;
  presortMs: number;
  treesMs: number;
  totalMs: number;
  /** Largest V8 heap seen in any worker (or this thread when in-process). */
  peakWorkerHeapBytes: number;
  /** Accuracy of the forest on (a sample of) its own training rows, and of the majority class there. */
  inSampleAccuracy: number | null;
  inSampleMajorityAccuracy: number | null;
}

export interface ForestTrainingResult {
  model: RandomForestClassifierJson;
  stats: ForestTrainingStats;
}

export class DegenerateModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DegenerateModelError';
  }
}

interface ResolvedOptions {
  classCount: number;
  nEstimators: number;
  seed: number;
  featuresPerTree: number;
  rowsPerTree: number;
  withReplacement: boolean;
  maxFeatures: number;
  tree: CartTreeOptions;
  workerCount: number;
  rejectDegenerate: boolean;
  degenerateCheckRows: number;
  classNames: readonly string[] | undefined;
}

function resolveOptions(options: ForestTrainingOptions, rowCount: number, featureCount: number): ResolvedOptions {
  const settings = forestSettings(options);
  const { nEstimators, seed, maxFeatures, sampleFraction, maxSamplesPerTree, tree } = settings;
  if (!Number.isInteger(nEstimators) || nEstimators < 1) throw new RangeError(`nEstimators must be a positive integer, got ${nEstimators}`);
  assertSeed(seed);
  // Same reading as ml-random-forest: (0, 1] is a fraction (floored), a larger integer a count.
  let featuresPerTree: number;
  if (maxFeatures > 0 && maxFeatures <= 1) featuresPerTree = Math.max(1, Math.floor(featureCount * maxFeatures));
  else if (Number.isInteger(maxFeatures) && maxFeatures > 1) featuresPerTree = maxFeatures;
  else throw new RangeError(`maxFeatures must be a fraction in (0, 1] or an integer count > 1, got ${maxFeatures}`);
  if (featuresPerTree > featureCount) throw new RangeError(`maxFeatures ${maxFeatures} exceeds the ${featureCount} features`);
  if (!(sampleFraction > 0 && sampleFraction <= 1)) throw new RangeError(`sampleFraction must be in (0, 1], got ${sampleFraction}`);
  if (!Number.isInteger(maxSamplesPerTree) || maxSamplesPerTree < 1) throw new RangeError(`maxSamplesPerTree must be a positive integer, got ${maxSamplesPerTree}`);
  const rowsPerTree = Math.max(1, Math.min(maxSamplesPerTree, Math.round(rowCount * sampleFraction)));
  if (!Number.isInteger(tree.minNumSamples) || tree.minNumSamples < 0) throw new RangeError(`tree.minNumSamples must be a non-negative integer`);
  if (!(tree.maxDepth >= 0)) throw new RangeError(`tree.maxDepth must be >= 0`);
  if (!(tree.gainThreshold >= 0)) throw new RangeError(`tree.gainThreshold must be >= 0`);
  const parallelism = options.parallelism ?? availableParallelism();
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new RangeError(`parallelism must be a positive integer, got ${parallelism}`);
  return {
    classCount: options.classCount,
    nEstimators,
    seed,
    featuresPerTree,
    rowsPerTree,
    withReplacement: settings.withReplacement,
    maxFeatures,
    tree,
    workerCount: Math.min(parallelism, nEstimators),
    rejectDegenerate: options.rejectDegenerate ?? true,
    degenerateCheckRows: options.degenerateCheckRows ?? 5_000,
    classNames: options.classNames,
  };
}

/** The per-tree plan (columns, row-sample seed and size) trainForest uses; exposed so tests can rebuild a tree with ml-cart. */
export function planForest(options: ForestTrainingOptions, rowCount: number, featureCount: number): TreeTask[] {
  return planTrees(resolveOptions(options, rowCount, featureCount), featureCount);
}

function planTrees(resolved: ResolvedOptions, featureCount: number): TreeTask[] {
  return Array.from({ length: resolved.nEstimators }, (_, treeIndex) => {
    const treeSeed = deriveSeed(resolved.seed, treeIndex);
    const featureIndexes = sampleWithoutReplacement(createRandom(treeSeed), featureCount, resolved.featuresPerTree);
    return {
      treeIndex,
      rowSeed: deriveSeed(treeSeed, 1),
      sampleSize: resolved.rowsPerTree,
      withReplacement: resolved.withReplacement,
      featureIndexes,
    };
  });
}

/** Trains a forest on row-major `rows` (finite numbers) and integer `labels` in [0, classCount). */
export async function trainForest(
  rows: ReadonlyArray<ArrayLike<number>>,
  labels: ArrayLike<number>,
  options: ForestTrainingOptions,
): Promise<ForestTrainingResult> {
  const started = performance.now();
  if (rows.length === 0) throw new RangeError('no training rows');
  const featureCount = rows[0].length;
  const resolved = resolveOptions(options, rows.length, featureCount);
  const useWorkers = resolved.workerCount > 1;
  const data = presortRows(rows, labels, resolved.classCount, allocatePresortBuffers(rows.length, featureCount, useWorkers));
  const presortMs = performance.now() - started;
  const tasks = planTrees(resolved, featureCount);

  const treesStarted = performance.now();
  const built = useWorkers ? await buildTreesInWorkers(data, tasks, resolved) : buildTreesInProcess(data, tasks, resolved.tree);
  const treesMs = performance.now() - treesStarted;

  const model: RandomForestClassifierJson = {
    name: 'RFClassifier',
    baseModel: {
      indexes: tasks.map((task) => task.featureIndexes),
      n: resolved.featuresPerTree,
      replacement: false,
      maxFeatures: resolved.maxFeatures,
      nEstimators: resolved.nEstimators,
      treeOptions: resolved.tree,
      isClassifier: true,
      seed: resolved.seed,
      estimators: built.trees,
      useSampleBagging: true,
    },
  };

  let inSampleAccuracy: number | null = null;
  let inSampleMajorityAccuracy: number | null = null;
  if (resolved.rejectDegenerate) {
    const check = assertForestNotDegenerate(model, rows, labels, {
      classCount: resolved.classCount,
      maxRows: resolved.degenerateCheckRows,
      seed: resolved.seed,
      classNames: resolved.classNames,
    });
    inSampleAccuracy = check.accuracy;
    inSampleMajorityAccuracy = check.majorityAccuracy;
  }

  return {
    model,
    stats: {
      rowCount: rows.length,
      featureCount,
      treeCount: resolved.nEstimators,
      rowsPerTree: resolved.rowsPerTree,
      featuresPerTree: resolved.featuresPerTree,
      workerCount: useWorkers ? resolved.workerCount : 1,
      presortMs,
      treesMs,
      totalMs: performance.now() - started,
      peakWorkerHeapBytes: built.peakHeapBytes,
      inSampleAccuracy,
      inSampleMajorityAccuracy,
    },
  };
}

interface BuiltTrees {
  trees: DecisionTreeClassifierJson[];
  peakHeapBytes: number;
}

function buildTreesInProcess(data: PresortedData, tasks: TreeTask[], treeOptions: CartTreeOptions): BuiltTrees {
  const workspace = new CartWorkspace();
  let peakHeapBytes = 0;
  const trees = tasks.map((task) => {
    const tree = runTreeTask(data, task, treeOptions, workspace);
    peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
    return tree;
  });
  return { trees, peakHeapBytes };
}

function buildTreesInWorkers(data: PresortedData, tasks: TreeTask[], resolved: ResolvedOptions): Promise<BuiltTrees> {
  const workerData: ForestWorkerData = { marker: FOREST_WORKER_MARKER, data, treeOptions: resolved.tree };
  return new Promise<BuiltTrees>((resolve, reject) => {
    const trees: DecisionTreeClassifierJson[] = new Array<DecisionTreeClassifierJson>(tasks.length);
    const workers: Worker[] = [];
    let nextTask = 0;
    let finished = 0;
    let peakHeapBytes = 0;
    let failed = false;

    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      for (const worker of workers) void worker.terminate();
      reject(error);
    };
    const dispatch = (worker: Worker): void => {
      if (nextTask < tasks.length) {
        const request: ForestWorkerRequest = { kind: 'tree', task: tasks[nextTask++] };
        worker.postMessage(request);
      } else {
        const request: ForestWorkerRequest = { kind: 'stop' };
        worker.postMessage(request);
      }
    };

    for (let w = 0; w < resolved.workerCount; w++) {
      const worker = spawnForestWorker(workerData);
      workers.push(worker);
      worker.on('message', (reply: ForestWorkerReply) => {
        if (failed) return;
        if (reply.kind === 'error') {
          fail(new Error(`forest worker failed: ${reply.message}`));
          return;
        }
        trees[reply.treeIndex] = JSON.parse(reply.treeJson) as DecisionTreeClassifierJson;
        peakHeapBytes = Math.max(peakHeapBytes, reply.heapUsedBytes);
        finished++;
        if (finished === tasks.length) {
          for (const other of workers) dispatch(other);
          resolve({ trees, peakHeapBytes });
        } else {
          dispatch(worker);
        }
      });
      worker.on('error', (error) => fail(error));
      worker.on('exit', (code) => {
        if (code !== 0 && finished < tasks.length) fail(new Error(`forest worker exited with code ${code}`));
      });
      dispatch(worker);
    }
  });
}

/**
 * Starts forest-worker. From compiled output the .js file runs as is; from TypeScript sources (Jest)
 * the worker transpiles the .ts modules on the fly with the `typescript` dev dependency.
 */
function spawnForestWorker(workerData: ForestWorkerData): Worker {
  const compiled = path.join(__dirname, 'forest-worker.js');
  if (fs.existsSync(compiled)) return new Worker(compiled, { workerData });
  const source = path.join(__dirname, 'forest-worker.ts');
  const bootstrap = `
    const fs = require('node:fs');
    const { workerData } = require('node:worker_threads');
    const ts = require(require.resolve('typescript', { paths: [${JSON.stringify(__dirname)}] }));
    require.extensions['.ts'] = (module, filename) => {
      const output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        fileName: filename,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      module._compile(output.outputText, filename);
    };
    require(${JSON.stringify(source)});
  `;
  return new Worker(bootstrap, { eval: true, workerData });
}

export interface DegeneracyCheckOptions {
  classCount: number;
  /** Rows checked (seeded sample when there are more). Default 5 000. */
  maxRows?: number;
  seed?: number;
  classNames?: readonly string[];
}

/**
 * A forest that predicts one class for every training row, or does worse than always answering the
 * training majority class on its own training rows, has learned nothing usable: throws
 * DegenerateModelError. Returns the accuracies it measured otherwise.
 */
export function assertForestNotDegenerate(
  model: RandomForestClassifierJson,
  rows: ReadonlyArray<ArrayLike<number>>,
  labels: ArrayLike<number>,
  options: DegeneracyCheckOptions,
): { accuracy: number; majorityAccuracy: number; checkedRows: number } {
  const checkCount = Math.min(rows.length, options.maxRows ?? 5_000);
  const picked =
    checkCount === rows.length ? Array.from(rows.keys()) : sampleWithoutReplacement(createRandom(deriveSeed(options.seed ?? 42, 0x0dec)), rows.length, checkCount);
  const checkRows = picked.map((i) => Array.from(rows[i]));
  const checkLabels = picked.map((i) => labels[i]);
  const predictions = RandomForestClassifier.load(model as unknown as Parameters<typeof RandomForestClassifier.load>[0]).predict(checkRows);
  const name = (label: number): string => options.classNames?.[label] ?? `class ${label}`;

  const predictedClasses = new Set(predictions);
  if (predictedClasses.size === 1) {
    const [only] = predictedClasses;
    throw new DegenerateModelError(
      `degenerate model rejected: it predicts ${name(only)} for all ${checkCount} training rows checked (trees too shallow, or gain threshold too high for the signal?)`,
    );
  }
  const classTotals = new Array<number>(options.classCount).fill(0);
  let correct = 0;
  for (let i = 0; i < checkCount; i++) {
    classTotals[checkLabels[i]]++;
    if (predictions[i] === checkLabels[i]) correct++;
  }
  const accuracy = correct / checkCount;
  const majorityAccuracy = Math.max(...classTotals) / checkCount;
  if (accuracy < majorityAccuracy) {
    throw new DegenerateModelError(
      `degenerate model rejected: accuracy ${accuracy.toFixed(4)} on ${checkCount} of its own training rows is below the majority-class baseline ${majorityAccuracy.toFixed(4)}`,
    );
  }
  return { accuracy, majorityAccuracy, checkedRows: checkCount };
}
