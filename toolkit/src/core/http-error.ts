/**
 * An HTTP error answer of s3lab's JSON servers: a status, a message for the person who sent the
 * request, and optionally the request field at fault and a machine-readable code. Each server
 * renders it in its own error shape (`{error, field}`, or OpenAI's `{error: {message, param, code}}`).
 *
 * @example
 * ```ts
 * throw new HttpError(400, 'topk: expected an integer', { field: 'topk' });
 * ```
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly field: string | undefined;
  readonly code: string | undefined;
  /** Extra response headers (`Retry-After` of a 503, `Allow` of a 405). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(readonly status: number, message: string, details: { field?: string; code?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.field = details.field;
    this.code = details.code;
    this.headers = details.headers ?? {};
  }
}
