import { JSON_MAX_DEPTH, unsafeJsonError } from './json-body.middleware';

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

describe('unsafeJsonError', () => {
  it('accepts plain bodies, scalars and the absence of a body', () => {
    for (const body of [undefined, null, 'text', 3, {}, [], { a: [1, { b: 'constructor' }] }, nested(JSON_MAX_DEPTH)]) {
      expect(unsafeJsonError(body)).toBeUndefined();
    }
  });

  it('names the depth rule one level past the limit, and does not recurse on a million levels', () => {
    expect(unsafeJsonError(nested(JSON_MAX_DEPTH + 1))).toMatchObject({ field: 'body', rule: 'max depth' });
    expect(unsafeJsonError(nested(1_000_000))).toMatchObject({ field: 'body', rule: 'max depth' });
  });

  it('names a forbidden key by its path, arrays by index', () => {
    expect(unsafeJsonError(JSON.parse('{"__proto__":{}}'))).toMatchObject({ field: '__proto__', rule: 'forbidden key' });
    expect(unsafeJsonError(JSON.parse('{"a":[{"b":{"prototype":1}}]}'))).toMatchObject({ field: 'a.0.b.prototype', rule: 'forbidden key' });
    expect(unsafeJsonError({ list: [{ constructor: 1 }] })).toMatchObject({ field: 'list.0.constructor', rule: 'forbidden key' });
  });
});
