import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INDEX_NAMES } from '../../src/indexing/index-source';
import { importSavedObjects, prepareExport } from '../../src/indexing/kibana/kibana-import';
import { parseSavedObjects, readExport, validateSavedObjects } from '../../src/indexing/kibana/saved-objects';

const run = promisify(execFile);

describe('kibana-export/opa-crypto.ndjson (offline validation against the index templates in src/indexing)', () => {
  const text = readExport();
  const { objects } = parseSavedObjects(text);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of parsed JSON
  type Editable = any;
  const replaceLine = (predicate: (o: (typeof objects)[number]) => boolean, change: (o: Editable) => void): string =>
    objects
      .map((o) => {
        const copy = JSON.parse(JSON.stringify(o));
        if (predicate(o)) change(copy);
        return JSON.stringify(copy);
      })
      .join('\n');

  it('parses, ids are unique, every reference resolves and every field used exists in the index mapping', () => {
    expect(validateSavedObjects(text)).toEqual([]);
  });

  it('holds a data view per index, the visualizations the issue lists and one dashboard "OPA Crypto" showing them all', () => {
    const dataViews = objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title);
    expect(dataViews.sort()).toEqual(INDEX_NAMES.map((name) => `opa-${name}`).sort());
    const titles = objects.filter((o) => o.type === 'lens' || o.type === 'search').map((o) => o.attributes.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Price with buy/sell signals',
        'Predicted probability over time',
        'Backtest equity vs buy-and-hold',
        'Model metrics per fold',
        'Backtest drawdown',
        'Backtest trades',
      ]),
    );
    const dashboards = objects.filter((o) => o.type === 'dashboard');
    expect(dashboards.map((d) => d.attributes.title)).toEqual(['OPA Crypto']);
    const panelTargets = dashboards[0].references.map((r) => r.id).sort();
    expect(panelTargets).toEqual(objects.filter((o) => o.type === 'lens' || o.type === 'search').map((o) => o.id).sort());
    // The price chart marks BUY and SELL predictions on the kline close.
    const price = objects.find((o) => o.id === 'opa-crypto-price-signals')!;
    expect(price.references.map((r) => r.id).sort()).toEqual(['opa-crypto-dv-klines', 'opa-crypto-dv-predictions']);
  });

  it('catches what it is meant to catch: a bad line, a duplicate id, a dangling reference, an unknown field', () => {
    expect(validateSavedObjects(`${text}{not json\n`)).toEqual([expect.stringMatching(/^line 16: invalid JSON/)]);
    expect(validateSavedObjects(`${text}${JSON.stringify(objects[0])}\n`)).toContainEqual(`duplicate id index-pattern:${objects[0].id}`);
    const dangling = replaceLine((o) => o.type === 'dashboard', (o) => (o.references[0].id = 'missing-vis'));
    expect(validateSavedObjects(dangling)).toContainEqual(expect.stringMatching(/dashboard opa-crypto-dashboard: reference p1:panel_p1 → lens missing-vis does not resolve/));
    const unknownField = replaceLine(
      (o) => o.id === 'opa-crypto-probability',
      (o) => (o.attributes.state.datasourceStates.formBased.layers.data.columns.m0.sourceField = 'probability_buy'),
    );
    expect(validateSavedObjects(unknownField)).toEqual(['lens opa-crypto-probability: field probability_buy is not in the predictions index template']);
    const annotationField = replaceLine(
      (o) => o.id === 'opa-crypto-price-signals',
      (o) => (o.attributes.state.visualization.layers[1].annotations[0].filter.query = 'signal : "BUY"'),
    );
    expect(validateSavedObjects(annotationField)).toEqual(['lens opa-crypto-price-signals: field signal is not in the predictions index template']);
    const searchSort = replaceLine((o) => o.type === 'search', (o) => (o.attributes.sort = [['open_time', 'desc']]));
    expect(validateSavedObjects(searchSort)).toEqual(['search opa-crypto-trade-list: field open_time is not in the backtest-trades index template']);
  });

  it('rewrites the data view titles to another ELASTICSEARCH_INDEX_PREFIX', () => {
    const rewritten = parseSavedObjects(prepareExport(text, 'prod-'));
    expect(rewritten.objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title).sort()).toEqual(
      INDEX_NAMES.map((name) => `prod-${name}`).sort(),
    );
    expect(rewritten.objects).toHaveLength(objects.length);
  });
});

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  file: { name: string; filename: string; content: string } | null;
}

/** Reads a multipart/form-data body's single file part, as Kibana's import route does. */
function fileOf(contentType: string | undefined, body: Buffer): SeenRequest['file'] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  if (!boundary) return null;
  const parts = body.toString('utf8').split(`--${boundary[1] ?? boundary[2]}`);
  for (const part of parts) {
    const [head, ...rest] = part.split('\r\n\r\n');
    const disposition = /name="([^"]+)"; filename="([^"]+)"/.exec(head);
    if (disposition) return { name: disposition[1], filename: disposition[2], content: rest.join('\r\n\r\n').replace(/\r\n$/, '') };
  }
  return null;
}

describe('Kibana import (POST /api/saved_objects/_import) against a fake Kibana', () => {
  let server: Server;
  let url: string;
  const seen: SeenRequest[] = [];
  let answers: { status: number; body: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, file: fileOf(req.headers['content-type'], Buffer.concat(chunks)) });
        const answer = answers.shift() ?? { status: 500, body: { message: 'unexpected request' } };
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it('sends the export as multipart `file` with kbn-xsrf and overwrite=true, retrying while Kibana answers 503', async () => {
    const ndjson = prepareExport(readExport(), 'opa-');
    const count = parseSavedObjects(ndjson).objects.length;
    answers = [
      { status: 503, body: { message: 'Kibana server is not ready yet' } },
      { status: 200, body: { success: true, successCount: count, successResults: [] } },
    ];
    const result = await importSavedObjects({ kibanaUrl: `${url}/`, ndjson, apiKey: 'secret-kibana-key', waitMs: 10_000, retryDelayMs: 10 });
    expect(result).toEqual({ success: true, successCount: count, errors: [] });
    expect(seen).toHaveLength(2);
    const last = seen[1];
    expect(last.method).toBe('POST');
    expect(last.url).toBe('/api/saved_objects/_import?overwrite=true');
    expect(last.headers['kbn-xsrf']).toBe('true');
    expect(last.headers.authorization).toBe('ApiKey secret-kibana-key');
    expect(last.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(last.file).toEqual({ name: 'file', filename: 'opa-crypto.ndjson', content: ndjson });
  });

  it('reports Kibana-side errors as a failed import', async () => {
    answers = [{ status: 200, body: { success: false, successCount: 14, errors: [{ id: 'opa-crypto-dashboard', type: 'dashboard', error: { type: 'missing_references', message: 'x' } }] } }];
    const result = await importSavedObjects({ kibanaUrl: url, ndjson: prepareExport(readExport(), 'opa-') });
    expect(result).toEqual({ success: false, successCount: 14, errors: ['dashboard opa-crypto-dashboard: missing_references x'] });
  });

  it('the CLI (src/indexing/cli/kibana-import.cli.ts) imports into KIBANA_URL with the prefix, and exits 1 when Kibana refuses', async () => {
    // Runs the real entry point in a child process; a tiny require hook compiles the TypeScript on the fly.
    const dir = mkdtempSync(join(tmpdir(), 'opa-kibana-cli-'));
    const hook = join(dir, 'ts-hook.js');
    writeFileSync(
      hook,
      `const ts = require(${JSON.stringify(require.resolve('typescript'))}); const fs = require('fs');
       require.extensions['.ts'] = (module, file) => module._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'),
         { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true, esModuleInterop: true } }).outputText, file);`,
    );
    const cli = join(__dirname, '..', '..', 'src', 'indexing', 'cli', 'kibana-import.cli.ts');
    const env = { PATH: process.env.PATH, KIBANA_URL: url, ELASTICSEARCH_INDEX_PREFIX: 'cli-', KIBANA_API_KEY: 'cli-secret-key' };
    try {
      answers = [{ status: 200, body: { success: true, successCount: 15 } }];
      const ok = await run(process.execPath, ['-r', hook, cli], { env, cwd: dir });
      expect(ok.stdout).toMatch(/^Imported 15 saved objects from .*opa-crypto\.ndjson into http:\/\/127\.0\.0\.1:\d+ \(dashboard "OPA Crypto"\)/);
      expect(ok.stdout + ok.stderr).not.toContain('cli-secret-key');
      expect(seen).toHaveLength(1);
      const titles = parseSavedObjects(seen[0].file!.content).objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title);
      expect(titles).toContain('cli-predictions');

      answers = [{ status: 400, body: { statusCode: 400, message: 'bad file' } }];
      const refused = await run(process.execPath, ['-r', hook, cli], { env, cwd: dir }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('Kibana answered 400') });
      const badUrl = await run(process.execPath, ['-r', hook, cli], { env: { ...env, KIBANA_URL: 'ftp://x' }, cwd: dir }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(badUrl).toMatchObject({ code: 1, stderr: expect.stringContaining('KIBANA_URL must be an http(s) URL') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
