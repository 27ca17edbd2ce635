import { validateSavedObjects, withIndexPrefix } from './saved-objects';

export interface KibanaImportOptions {
  kibanaUrl: string;
  /** NDJSON export, data view titles already using the wanted prefix. */
  ndjson: string;
  fileName?: string;
  apiKey?: string;
  /** How long to keep trying while Kibana is not up yet (connection refused, 503). */
  waitMs?: number;
  retryDelayMs?: number;
  log?: (line: string) => void;
}

export interface KibanaImportResult {
  success: boolean;
  successCount: number;
  errors: string[];
}

interface KibanaImportResponse {
  success?: boolean;
  successCount?: number;
  errors?: { id?: string; type?: string; error?: { type?: string; message?: string } }[];
}

export class KibanaImportError extends Error {}

/** Validates the export for `prefix` and returns it rewritten to that prefix; throws listing every problem. */
export function prepareExport(text: string, prefix: string): string {
  const problems = validateSavedObjects(text);
  if (problems.length > 0) throw new KibanaImportError(`The Kibana export is invalid:\n  ${problems.join('\n  ')}`);
  return withIndexPrefix(text, prefix);
}

/**
 * POST {KIBANA_URL}/api/saved_objects/_import?overwrite=true, multipart with the NDJSON as `file`, header kbn-xsrf:
 * importing again overwrites the same objects (fixed ids), so it is safe to repeat.
 */
export async function importSavedObjects(options: KibanaImportOptions): Promise<KibanaImportResult> {
  const url = `${options.kibanaUrl.replace(/\/+$/, '')}/api/saved_objects/_import?overwrite=true`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  const log = options.log ?? (() => undefined);
  for (;;) {
    const form = new FormData();
    form.append('file', new Blob([options.ndjson], { type: 'application/ndjson' }), options.fileName ?? 'opa-crypto.ndjson');
    const headers: Record<string, string> = { 'kbn-xsrf': 'true' };
    if (options.apiKey) headers.authorization = `ApiKey ${options.apiKey}`;
    let response: Response | null = null;
    let failure = '';
    try {
      response = await fetch(url, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(60_000) });
      if (response.status === 503 || response.status === 502) failure = `Kibana answered ${response.status} (not ready)`;
    } catch (error) {
      failure = `Kibana unreachable at ${options.kibanaUrl} (${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)})`;
    }
    if (failure) {
      if (Date.now() >= deadline) throw new KibanaImportError(failure);
      log(`${failure}; retrying`);
      await new Promise((done) => setTimeout(done, options.retryDelayMs ?? 2_000));
      continue;
    }
    const text = await response!.text();
    if (!response!.ok) throw new KibanaImportError(`Kibana answered ${response!.status}: ${text.slice(0, 500)}`);
    const body = JSON.parse(text) as KibanaImportResponse;
    const errors = (body.errors ?? []).map((e) => `${e.type ?? '?'} ${e.id ?? '?'}: ${e.error?.type ?? ''} ${e.error?.message ?? ''}`.trim());
    return { success: body.success === true, successCount: body.successCount ?? 0, errors };
  }
}
