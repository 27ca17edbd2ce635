import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { SignalModel } from './core';

export const MODEL_ENCODING = 'gzip';

export interface EncodedModel {
  data: Buffer;
  encoding: typeof MODEL_ENCODING;
  /** Bytes of the uncompressed JSON. */
  bytes: number;
  /** sha256 of the uncompressed JSON. */
  sha256: string;
}

/** gzip of the model's JSON. Deterministic (no timestamp in the gzip header), so equal models give equal bytes. */
export function encodeModel(model: SignalModel): EncodedModel {
  const json = Buffer.from(JSON.stringify(model), 'utf8');
  return { data: gzipSync(json, { level: 9 }), encoding: MODEL_ENCODING, bytes: json.length, sha256: createHash('sha256').update(json).digest('hex') };
}

export function decodeModel(data: Buffer, encoding: string | null): SignalModel {
  if (encoding !== MODEL_ENCODING) throw new RangeError(`unknown model encoding ${encoding}`);
  return JSON.parse(gunzipSync(data).toString('utf8')) as SignalModel;
}
