// Read-only access to the app's own JSON API (GET only, so no API key is needed).

/** Raised for any answer that is not 2xx (and not an allowed 404); the message is shown on the page. */
export class ApiError extends Error {
  constructor(path, status, message) {
    super(`${path}: ${status} ${message}`);
    this.status = status;
  }
}

function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `/api${path}?${text}` : `/api${path}`;
}

/**
 * GET /api<path>?<params> as JSON. With allowMissing, a 404 answers null (a backtest or trading account that does not
 * exist yet); the page only calls optional endpoints that /api/dashboard/sources says are served, so the browser logs
 * no failed request in normal use.
 */
export async function getJson(path, params = {}, { allowMissing = false, signal } = {}) {
  const response = await fetch(url(path, params), { headers: { accept: 'application/json' }, signal });
  if (response.status === 404 && allowMissing) return null;
  if (!response.ok) {
    let message = response.statusText;
    try {
      const body = await response.json();
      message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? message);
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(path, response.status, message);
  }
  return response.json();
}

/** Follows `next` cursors of a paged list `{data, next}` for at most maxPages pages; returns the rows and whether it stopped early. */
export async function getAllPages(path, params, { maxPages, allowMissing = false, signal } = {}) {
  const rows = [];
  let cursor;
  for (let page = 0; page < maxPages; page += 1) {
    const body = await getJson(path, { ...params, cursor }, { allowMissing, signal });
    if (body === null) return { rows: null, truncated: false };
    rows.push(...body.data);
    if (!body.next) return { rows, truncated: false };
    cursor = body.next;
  }
  return { rows, truncated: true };
}
