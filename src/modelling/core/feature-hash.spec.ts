import { createHash } from 'node:crypto';
import { canonicalFeatureVector, hashFeatureVector } from './feature-hash';

describe('feature vector hash', () => {
  const names = ['a', 'b', 'c'];

  it('serialises exact IEEE-754 bits with the feature-set version and names', () => {
    expect(canonicalFeatureVector('v1', names, [1, -0, 0.1])).toBe('v=v1;a=3ff0000000000000;b=0000000000000000;c=3fb999999999999a');
    expect(hashFeatureVector('v1', names, [1, 0, 0.1])).toBe(
      createHash('sha256').update('v=v1;a=3ff0000000000000;b=0000000000000000;c=3fb999999999999a').digest('hex'),
    );
  });

  it('is stable for equal vectors and changes with any bit, name or version', () => {
    const base = hashFeatureVector('v1', names, [1, 2, 3]);
    expect(hashFeatureVector('v1', names, Float64Array.from([1, 2, 3]))).toBe(base);
    expect(hashFeatureVector('v1', names, [1, 2, 3 + Number.EPSILON * 4])).not.toBe(base);
    expect(hashFeatureVector('v2', names, [1, 2, 3])).not.toBe(base);
    expect(hashFeatureVector('v1', ['a', 'c', 'b'], [1, 2, 3])).not.toBe(base);
  });

  it('refuses non-finite values and length mismatches', () => {
    expect(() => hashFeatureVector('v1', names, [1, Number.NaN, 3])).toThrow(/not finite/);
    expect(() => hashFeatureVector('v1', names, [1, 2])).toThrow(/3 feature names but 2 values/);
  });
});
