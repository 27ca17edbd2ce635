import { createHash } from 'node:crypto';

/**
 * Canonical text of a feature vector: the feature-set version, then `name=bits` per feature where
 * bits is the IEEE-754 double as 16 big-endian hex digits (-0 written as 0). Exact bits, not decimal
 * text, so the same vector hashes the same in any language and no rounding can hide a difference.
 */
export function canonicalFeatureVector(featureSetVersion: string, featureNames: readonly string[], values: ArrayLike<number>): string {
  if (featureNames.length !== values.length) throw new RangeError(`${featureNames.length} feature names but ${values.length} values`);
  const view = new DataView(new ArrayBuffer(8));
  const parts = [`v=${featureSetVersion}`];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) throw new RangeError(`feature ${featureNames[i]} is not finite: ${value}`);
    view.setFloat64(0, value + 0); // + 0 turns -0 into 0
    parts.push(`${featureNames[i]}=${view.getUint32(0).toString(16).padStart(8, '0')}${view.getUint32(4).toString(16).padStart(8, '0')}`);
  }
  return parts.join(';');
}

/** sha256 (hex) of canonicalFeatureVector: a stable audit identifier of the inputs behind a prediction. */
export function hashFeatureVector(featureSetVersion: string, featureNames: readonly string[], values: ArrayLike<number>): string {
  return createHash('sha256').update(canonicalFeatureVector(featureSetVersion, featureNames, values), 'utf8').digest('hex');
}
