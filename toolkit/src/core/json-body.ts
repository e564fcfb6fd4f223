/**
 * The JSON body of an HTTP request, for s3lab's servers (retrieval, LLM, reward): strictly typed as
 * JSON and size-limited. Only `application/json` (or a `+json` type) is read, because the types
 * a web page may send cross-origin without asking first (form-urlencoded, multipart, text/plain)
 * must never reach a loopback server's handlers; a missing type is refused for the same reason.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(req, 1 << 20); // throws HttpError 400, 413 or 415
 * ```
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** Makes the error a server throws for a bad body: 400 invalid JSON, 413 too large, 415 not JSON. */
export type BodyError = (status: 400 | 413 | 415, message: string) => Error;

const asHttpError: BodyError = (status, message) => new HttpError(status, message, {
  code: status === 400 ? 'invalid_json' : status === 413 ? 'body_too_large' : 'unsupported_media_type',
});

/** What a refused content type is told to send. */
const SEND_JSON = "send the body as JSON with the header content-type: application/json (curl: -H 'content-type: application/json')";

/**
 * Checks what the headers promise before the body is read (cheap, so a server can refuse before
 * queueing): a JSON content type (parameters such as `; charset=utf-8` allowed) and a declared
 * length within `maxBytes`.
 *
 * @example
 * ```ts
 * checkJsonHeaders(req, 1 << 20); // throws 415 for content-type: text/plain
 * ```
 */
export function checkJsonHeaders(req: IncomingMessage, maxBytes: number, fail: BodyError = asHttpError): void {
  const type = req.headers['content-type'];
  if (type === undefined || type.trim() === '') throw fail(415, `the request has no content-type; ${SEND_JSON}`);
  if (!isJsonMediaType(type)) throw fail(415, `content-type ${type} is not JSON; ${SEND_JSON}`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw fail(413, `body of ${declared} bytes is over the limit of ${maxBytes}`);
}

/**
 * Reads and parses the body after `checkJsonHeaders`, stopping as soon as it passes `maxBytes`.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(req, 16 * 2 ** 20);
 * ```
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, fail: BodyError = asHttpError): Promise<unknown> {
  checkJsonHeaders(req, maxBytes, fail);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw fail(413, `body is over the limit of ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw fail(400, 'body is not valid JSON');
  }
}

/** `application/json` or `application/<anything>+json`, any parameters, any case. */
function isJsonMediaType(type: string): boolean {
  const essence = (type.split(';')[0] ?? '').trim().toLowerCase();
  return essence === 'application/json' || /^application\/[\w.!#$&^-]+\+json$/u.test(essence);
}
