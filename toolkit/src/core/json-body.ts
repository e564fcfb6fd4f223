/**
 * The JSON body of an HTTP request, size-limited, for s3lab's servers (retrieval, LLM). Each
 * server reports problems in its own error shape, so it passes the error to throw.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(req, 1 << 20, (status, message) => new Error(`${status} ${message}`));
 * ```
 */
import type { IncomingMessage } from 'node:http';

/** Makes the error a server throws for a bad body: 400 invalid JSON, 413 too large, 415 not JSON. */
export type BodyError = (status: 400 | 413 | 415, message: string) => Error;

export async function readJsonBody(req: IncomingMessage, maxBytes: number, fail: BodyError): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // Clients send application/json (Python requests' `json=`); curl -d sends x-www-form-urlencoded,
  // and bodies without a type are tried as JSON too.
  if (type && !type.includes('json') && !type.includes('x-www-form-urlencoded')) throw fail(415, `content-type ${type} is not JSON`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw fail(413, `body of ${declared} bytes is over the limit of ${maxBytes}`);
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
