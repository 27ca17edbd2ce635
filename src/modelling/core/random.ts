/**
 * Small seeded pseudo-random generator (mulberry32) and helpers.
 * Everything random in the modelling core goes through here so a seed reproduces a model bit for bit,
 * independently of which worker thread happens to build which tree.
 */
export interface RandomSource {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, exclusiveMax). */
  nextInt(exclusiveMax: number): number;
}

export function assertSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32 - 1], got ${seed}`);
  }
}

export function createRandom(seed: number): RandomSource {
  assertSeed(seed);
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    next: () => nextUint32() / 4294967296,
    nextInt: (exclusiveMax: number) => {
      if (!Number.isInteger(exclusiveMax) || exclusiveMax <= 0) {
        throw new RangeError(`exclusiveMax must be a positive integer, got ${exclusiveMax}`);
      }
      return Math.floor((nextUint32() / 4294967296) * exclusiveMax);
    },
  };
}

/** Derives an independent 32-bit seed for a numbered sub-task (e.g. tree i) from a master seed. */
export function deriveSeed(masterSeed: number, streamIndex: number): number {
  assertSeed(masterSeed);
  let h = (masterSeed ^ Math.imul(streamIndex + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** k distinct integers from [0, n), in the order they were drawn (partial Fisher-Yates). */
export function sampleWithoutReplacement(random: RandomSource, n: number, k: number): number[] {
  if (k > n) throw new RangeError(`cannot draw ${k} distinct values from ${n}`);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + random.nextInt(n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}
