import { IndexTemplatesService } from '../../src/indexing/index-templates.service';
import { indexTemplateOf, INDEX_SOURCES } from '../../src/indexing/index-sources';
import { startTestApp, type TestApp } from '../support/test-app';
import { dropPrefix, ELASTICSEARCH_TEST_URL, esClient, uniquePrefix } from './indexing-fixtures';

/**
 * An index created by an older version (strict mapping without a field added since, here backtest-equity's
 * in_sample) would reject every new document. At start-up the app adds the new fields to the existing index.
 */
describe('existing indices get the fields added since they were created', () => {
  const es = esClient();
  const prefix = uniquePrefix('upgrade');
  let t: TestApp | undefined;

  afterAll(async () => {
    await t?.close();
    await dropPrefix(es, prefix);
    await es.close();
  });

  it('adds in_sample to an old strict backtest-equity index, which then accepts documents carrying it', async () => {
    const index = `${prefix}backtest-equity`;
    // Today's mapping without the field added since: what an index made before it looks like.
    const { mappings } = indexTemplateOf(INDEX_SOURCES['backtest-equity'], prefix).template;
    const { in_sample: added, ...before } = mappings.properties;
    expect(added).toEqual({ type: 'boolean' });
    await es.indices.create({ index, mappings: { dynamic: 'strict', properties: before } });
    const rejected = await es.index({ index, id: 'x:1', document: { backtest_id: 'x', time: 1, equity: 1, in_sample: true } }).catch((error: unknown) => error);
    expect(String(rejected)).toMatch(/strict_dynamic_mapping_exception/);

    t = await startTestApp({ ELASTICSEARCH_URL: ELASTICSEARCH_TEST_URL, ELASTICSEARCH_INDEX_PREFIX: prefix, INDEXING_DRAIN_INTERVAL_MS: '60000' });
    await t.app.get(IndexTemplatesService).ensure();

    const mapping = await es.indices.getMapping({ index });
    expect(mapping[index].mappings.properties?.in_sample).toEqual({ type: 'boolean' });
    await es.index({ index, id: 'x:1', document: { backtest_id: 'x', time: 1, equity: 1, in_sample: true }, refresh: true });
    expect((await es.get({ index, id: 'x:1' })).found).toBe(true);
  });
});
