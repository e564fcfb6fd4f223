/** Shared pieces of the server tests: raw HTTP requests (any method, Host and content type), gates, and waiting for a condition. */
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

export interface RawRequest {
  method?: string;
  path: string;
  /** Sent as given; `host` defaults to the URL's host, `content-type` to none. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborting destroys the connection (the client leaves). */
  signal?: AbortSignal;
}

/**
 * One request with node:http, which (unlike fetch) sends any method, `Host` and body as given.
 *
 * @example
 * ```ts
 * const answer = await rawRequest(server.url, { path: '/retrieve', headers: { 'content-type': 'text/plain' }, body: '{}' });
 * ```
 */
export function rawRequest(baseUrl: string, options: RawRequest): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname.replace(/^\[(.*)\]$/u, '$1'), port: url.port, path: options.path, method: options.method ?? 'POST',
      headers: { host: url.host, ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }) },
      agent: false, signal: options.signal,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A promise and the function that resolves it: holds a fake model or retriever until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * Waits until `condition` holds, checking every few milliseconds (no time limit: the test runner's applies).
 *
 * @example
 * ```ts
 * await until(() => server.load().queued === 1);
 * ```
 */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * The open connections of a server: it drops by one once the server has seen a client leave
 * (which a client's own abort does not wait for).
 *
 * @example
 * ```ts
 * const open = await connections(server.server);
 * ```
 */
export function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}
