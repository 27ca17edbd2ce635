/**
 * The wire to Binance's public REST API: one GET with a timeout, the status, the weight header and Retry-After
 * kept, and every failure turned into a typed BinanceRequestError. Nothing here retries or waits.
 *
 * Why not binance-api-node's client for this: in 0.13.10 it keeps X-MBX-USED-WEIGHT-1M in one module-level object
 * per host name (shared by every client and every concurrent call, so a reading cannot be tied to a request), it
 * throws JSON error bodies (429, 418, 400) as a plain Error without the HTTP status or Retry-After, and it has no
 * timeout or AbortSignal, so a hung socket hangs the caller for ever. Rate-limit handling needs all three.
 */
export type BinanceFailureKind =
  | 'rate-limited'
  | 'banned'
  | 'server-error'
  | 'timeout'
  | 'network'
  | 'malformed-response'
  | 'client-error'
  | 'aborted';

export class BinanceRequestError extends Error {
  constructor(
    readonly kind: BinanceFailureKind,
    message: string,
    readonly details: { status?: number; code?: number; retryAfterMs?: number; usedWeight?: number } = {},
  ) {
    super(message);
    this.name = 'BinanceRequestError';
  }

  /** 429, 418, 5xx, timeouts, dropped connections and broken bodies are worth another try; 4xx answers are not. */
  get retryable(): boolean {
    return this.kind !== 'client-error' && this.kind !== 'aborted';
  }
}

export interface BinanceResponse {
  status: number;
  body: unknown;
  /** X-MBX-USED-WEIGHT-1M of the answer, when sent. */
  usedWeight: number | undefined;
}

export type QueryValue = string | number | undefined;

export class BinanceHttpClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async get(path: string, query: Record<string, QueryValue>, signal?: AbortSignal): Promise<BinanceResponse> {
    const url = new URL(path, `${this.baseUrl}/`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const what = `GET ${path}`;
    let status: number;
    let text: string;
    let usedWeight: number | undefined;
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, { signal: combined, headers: { accept: 'application/json' } });
      status = response.status;
      usedWeight = headerInteger(response.headers.get('x-mbx-used-weight-1m'));
      const retryAfter = headerInteger(response.headers.get('retry-after'));
      retryAfterMs = retryAfter === undefined ? undefined : retryAfter * 1000;
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw new BinanceRequestError('aborted', `${what} aborted`);
      if (timeout.aborted) throw new BinanceRequestError('timeout', `${what} got no complete answer within ${this.timeoutMs} ms`);
      throw new BinanceRequestError('network', `${what} failed: ${describe(error)}`);
    }

    if (status === 200) {
      try {
        return { status, body: JSON.parse(text) as unknown, usedWeight };
      } catch {
        throw new BinanceRequestError('malformed-response', `${what} answered 200 with a body that is not JSON (${text.length} bytes)`, {
          status,
          usedWeight,
        });
      }
    }
    const error = parseErrorBody(text);
    const detail = error ? `${error.code} ${error.msg}` : snippet(text);
    const details = { status, code: error?.code, retryAfterMs, usedWeight };
    if (status === 429) throw new BinanceRequestError('rate-limited', `${what}: 429 ${detail}`, details);
    if (status === 418) throw new BinanceRequestError('banned', `${what}: 418 ${detail}`, details);
    if (status >= 500) throw new BinanceRequestError('server-error', `${what}: ${status} ${detail}`, details);
    throw new BinanceRequestError('client-error', `${what}: ${status} ${detail}`, details);
  }
}

function headerInteger(value: string | null): number | undefined {
  if (value === null || !/^\d{1,12}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function parseErrorBody(text: string): { code: number; msg: string } | null {
  try {
    const body = JSON.parse(text) as { code?: unknown; msg?: unknown };
    if (typeof body.code === 'number' && typeof body.msg === 'string') return { code: body.code, msg: body.msg };
  } catch {
    // a gateway's HTML page, not a Binance error
  }
  return null;
}

function snippet(text: string): string {
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain.length > 120 ? `${plain.slice(0, 120)}…` : plain;
}

/**
 * fetch's own message is only "fetch failed"; the cause says what happened (DNS: ENOTFOUND / EAI_AGAIN, refused,
 * reset). Read by shape, not instanceof: the error may come from another realm (Node's fetch under Jest's VM).
 */
function describe(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { message, cause } = error as { message?: unknown; cause?: { code?: unknown; message?: unknown } | null };
  const text = typeof message === 'string' ? message : 'request failed';
  const code = typeof cause?.code === 'string' ? cause.code : '';
  const causeMessage = typeof cause?.message === 'string' ? cause.message : '';
  const detail = causeMessage.includes(code) ? causeMessage : [code, causeMessage].filter((part) => part !== '').join(': ');
  const dns = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'DNS: ' : '';
  return detail === '' ? text : `${text} (${dns}${detail})`;
}
