/**
 * When to retry an HTTP call to a model server and how long to wait: 408, 429 and 5xx answers,
 * timeouts and dropped connections are worth another try (a vLLM server that is busy, restarting
 * or rate-limiting recovers); anything else is the caller's mistake and retrying cannot fix it.
 */

/** Statuses that say "try again later" rather than "this request is wrong". */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Network-level failures of `fetch` that a later attempt may not meet: timeouts, resets, refused or dropped connections. */
export function isRetryableNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  const code = networkErrorCode(error);
  // A name that does not resolve will not resolve in a second either.
  if (code === 'ENOTFOUND') return false;
  // undici rejects with TypeError('fetch failed'), or 'terminated' when the body is cut off.
  return error instanceof TypeError || code !== undefined;
}

/** The system or undici error code behind a fetch failure (`ECONNRESET`, `UND_ERR_SOCKET`, …). */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * The wait a server asked for, in ms: `retry-after-ms` (OpenAI), else `Retry-After` as seconds
 * or an HTTP date. `undefined` when absent or unreadable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Exponential backoff with jitter: attempt 0 waits about `baseMs`, each further attempt twice as
 * long, capped at `maxMs`; the wait is drawn from [½, 1] of that so that many clients that failed
 * together do not retry together. A server's Retry-After, when given, is honoured instead (capped too).
 *
 * @example
 * ```ts
 * backoffMs(2, { baseMs: 500, maxMs: 30_000 }); // between 1000 and 2000
 * ```
 */
export function backoffMs(attempt: number, options: { baseMs: number; maxMs: number; retryAfterMs?: number; random?: () => number }): number {
  if (options.retryAfterMs !== undefined) return Math.min(options.retryAfterMs, options.maxMs);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  return ceiling * (0.5 + 0.5 * (options.random ?? Math.random)());
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
