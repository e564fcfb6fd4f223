/**
 * The HTTP plumbing of s3lab's JSON servers (retrieval, LLM, reward), in one place, so that each
 * server only says its routes, its schemas and its error shape. What every server gets:
 * - `GET /` and `GET /health` answered at once, even while work runs (they skip admission);
 * - a `Host` check while bound to loopback (403; see `loopback-host.ts`);
 * - strict JSON bodies: `application/json` only (415), size-limited (413), parsed (400);
 * - admission: at most `maxInFlight` requests worked on and `maxQueue` waiting; beyond that an
 *   immediate 503 with `Retry-After`, so a client is told to come back instead of timing out;
 * - an `AbortSignal` per request, aborted when the client disconnects before its answer, so a
 *   route can drop the work (a queued request whose client left never starts);
 * - every outcome caught: an answer that cannot be serialized or is over `maxResponseBytes` is a
 *   JSON error, a failing route is a 500 in the server's error shape, never a crash, and even
 *   a request Node cannot parse (an unknown method, huge headers) gets a JSON 400 or 431.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AdmissionFullError, AdmissionGate, type AdmissionLoad } from './admission.js';
import { HttpError } from './http-error.js';
import { checkJsonHeaders, readJsonBody } from './json-body.js';
import { listen } from './listen.js';
import { refusedHost } from './loopback-host.js';

/** What a route is given. */
export interface JsonRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The parsed JSON body of a POST route; undefined for GET. */
  body: unknown;
  /** Aborted when the client disconnects before its answer is sent: stop working for it. */
  signal: AbortSignal;
}

/** A route's answer: the JSON body (status 200 unless given) and what the server's log line needs. */
export interface JsonAnswer<L> {
  body: unknown;
  status?: number;
  log?: L;
}

export interface JsonRoute<L> {
  method: 'GET' | 'POST';
  /** A cheap answer (a listing): skips admission, as `/health` does. */
  light?: boolean;
  handle(request: JsonRequest): Promise<JsonAnswer<L>> | JsonAnswer<L>;
}

/** One answered request, for logs; status 499 means the client left before its answer. */
export interface JsonRequestLog {
  method: string;
  path: string;
  status: number;
  ms: number;
}

export interface JsonServerOptions<L> {
  /** Default {@link DEFAULT_HOST}: loopback, so only this machine can reach the server. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Routes by path (besides `/` and `/health`). */
  routes: Readonly<Record<string, JsonRoute<L>>>;
  /** The answer of `GET /` and `GET /health`, given the admission gate's load. */
  health(load: AdmissionLoad): unknown;
  maxBodyBytes: number;
  maxInFlight: number;
  maxQueue: number;
  /** Largest answer in bytes (default: no limit besides the longest string V8 can build). */
  maxResponseBytes?: number;
  /** What a 503 tells the client to wait, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** The server's error shape. */
  errorBody(error: HttpError): unknown;
  /** The status of the route's own errors (e.g. a model refusing a request); others are a 500. */
  toHttpError?(error: unknown): HttpError | undefined;
  onRequest?(info: JsonRequestLog, log: L | undefined): void;
}

export interface RunningJsonServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8000` */
  url: string;
  /** Requests worked on and waiting now. */
  load(): AdmissionLoad;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Where every s3lab server binds unless told otherwise. */
export const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_RETRY_AFTER_SECONDS = 1;
const HEALTH_PATHS = new Set(['/', '/health']);
/** Status logged for a request whose client disconnected before its answer (nginx's convention). */
const CLIENT_GONE = 499;

/**
 * A server's limits: each one the options give, else its default (the one place a server's
 * defaults meet its options).
 *
 * @example
 * ```ts
 * serverLimits({ maxInFlight: 4, maxQueue: 256 }, { maxQueue: 16 }); // { maxInFlight: 4, maxQueue: 16 }
 * ```
 */
export function serverLimits<T extends Readonly<Record<string, number>>>(defaults: T, options: { readonly [K in keyof T]?: number | undefined }): { [K in keyof T]: number } {
  const limits = { ...defaults } as { [K in keyof T]: number };
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = options[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** The reason a request's signal is aborted with. */
export class ClientGoneError extends Error {
  override name = 'AbortError';
  constructor() {
    super('the client disconnected before its answer');
  }
}

/**
 * Starts a JSON server; it answers until `close()`.
 *
 * @example
 * ```ts
 * const server = await startJsonServer({
 *   host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, maxInFlight: 4, maxQueue: 64,
 *   health: (load) => ({ status: 'ok', load }),
 *   routes: { '/echo': { method: 'POST', handle: ({ body }) => ({ body: { echo: body } }) } },
 *   errorBody: (error) => ({ error: error.message }),
 * });
 * // curl -s localhost:PORT/echo -H 'content-type: application/json' -d '{"a": 1}'
 * await server.close();
 * ```
 */
export async function startJsonServer<L>(options: JsonServerOptions<L>): Promise<RunningJsonServer> {
  const gate = new AdmissionGate({ maxInFlight: options.maxInFlight, maxQueue: options.maxQueue });
  const routes = new Map(Object.entries(options.routes));
  const routeList = [...[...routes].map(([path, route]) => `${route.method} ${path}`), 'GET /health'];
  const usage = `${routeList.slice(0, -1).join(', ')} or ${routeList.at(-1) ?? ''}`;
  const retryAfter = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  const host = options.host ?? DEFAULT_HOST;

  const admit = async (signal: AbortSignal): Promise<() => void> => {
    try {
      return await gate.enter(signal);
    } catch (error) {
      if (!(error instanceof AdmissionFullError)) throw error;
      const { maxInFlight, maxQueue } = error.limits;
      throw new HttpError(503, `server busy: at its limits, max in flight ${maxInFlight} and max queue ${maxQueue} (s3lab serve: --max-in-flight, --max-queue); retry after ${retryAfter} s`, {
        code: 'overloaded', headers: { 'retry-after': String(retryAfter) },
      });
    }
  };

  const answer = async (req: IncomingMessage, method: string, path: string, signal: AbortSignal): Promise<JsonAnswer<L>> => {
    const port = (server.address() as AddressInfo | null)?.port ?? options.port ?? 0;
    const refused = refusedHost(req.headers.host, host, port);
    if (refused !== undefined) throw new HttpError(403, refused, { code: 'forbidden_host' });
    if (HEALTH_PATHS.has(path)) {
      if (method !== 'GET') throw new HttpError(405, `${method} ${path} is not allowed; use GET`, { code: 'method_not_allowed', headers: { allow: 'GET' } });
      return { body: options.health(gate.load()) };
    }
    const route = routes.get(path);
    if (route === undefined) throw new HttpError(404, `no route ${method} ${path}; use ${usage}`, { code: 'not_found' });
    if (method !== route.method) throw new HttpError(405, `${method} ${path} is not allowed; use ${route.method}`, { code: 'method_not_allowed', headers: { allow: route.method } });
    // Refuse what the headers already show is wrong before taking a place in the queue.
    if (route.method === 'POST') checkJsonHeaders(req, options.maxBodyBytes);
    const leave = route.light ? () => undefined : await admit(signal);
    try {
      const body = route.method === 'POST' ? await readJsonBody(req, options.maxBodyBytes) : undefined;
      signal.throwIfAborted();
      return await route.handle({ method, path, body, signal });
    } finally {
      leave();
    }
  };

  const asHttpError = (error: unknown): HttpError => {
    if (error instanceof HttpError) return error;
    const mapped = options.toHttpError?.(error);
    if (mapped) return mapped;
    return new HttpError(500, `internal error: ${error instanceof Error ? error.message : String(error)}`, { code: 'internal_error' });
  };

  // Host is checked here (a loopback server refuses a request without one with a JSON 403), not by Node's bare 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const started = performance.now();
    const method = req.method ?? '';
    const path = (req.url ?? '/').split('?')[0] || '/';
    const controller = new AbortController();
    res.on('error', () => undefined); // a client that left mid-answer is not the server's failure
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new ClientGoneError());
    });
    const finish = (status: number, log: L | undefined): void => {
      try {
        options.onRequest?.({ method, path: req.url ?? '', status, ms: Math.round(performance.now() - started) }, log);
      } catch (error) {
        process.stderr.write(`onRequest failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    };
    const fail = (error: unknown): void => {
      if (controller.signal.aborted) return finish(CLIENT_GONE, undefined);
      const http = asHttpError(error);
      finish(sendError(res, http, options.errorBody), undefined);
    };
    answer(req, method, path, controller.signal).then((result) => {
      if (controller.signal.aborted) return finish(CLIENT_GONE, result.log);
      const payload = serialize(result.body, options.maxResponseBytes);
      send(res, result.status ?? 200, payload, {});
      finish(result.status ?? 200, result.log);
    }).catch(fail).catch((error: unknown) => {
      // Only a failure to report a failure lands here: close the connection rather than crash.
      process.stderr.write(`answering ${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      res.destroy();
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerUnparsable(error, socket, options.errorBody));
  const url = await listen(server, host, options.port ?? 0);
  return {
    server,
    url,
    load: () => gate.load(),
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}

/** A request Node's parser refused (an unknown method, headers over its limit, garbage): a JSON error, then close. */
function answerUnparsable(error: NodeJS.ErrnoException, socket: Socket, errorBody: (error: HttpError) => unknown): void {
  // A reset connection or one with an answer under way cannot take another answer.
  if (error.code === 'ECONNRESET' || !socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = status === 431 ? 'the request headers are over the size this server reads' : `malformed HTTP request: ${error.code === 'HPE_INVALID_METHOD' ? 'unknown method' : (error.code ?? error.message)}`;
  let payload: string;
  try {
    payload = serialize(errorBody(new HttpError(status, message, { code: 'bad_request' })), undefined);
  } catch {
    payload = JSON.stringify({ error: message });
  }
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`);
}

/** Writes an error in the server's shape; returns the status sent. */
function sendError(res: ServerResponse, error: HttpError, errorBody: (error: HttpError) => unknown): number {
  let payload: string;
  let status = error.status;
  try {
    payload = serialize(errorBody(error), undefined);
  } catch (failure) {
    // The error shape itself could not be written (a message V8 cannot stringify): say so plainly.
    status = 500;
    payload = JSON.stringify({ error: `internal error: an error answer could not be written as JSON (${failure instanceof Error ? failure.message : String(failure)})` });
  }
  send(res, status, payload, error.headers);
  return status;
}

/**
 * The JSON text of an answer; a value JSON cannot hold, or an answer over `maxBytes` (or over the
 * longest string V8 can build), is an `HttpError` the caller sends instead.
 */
function serialize(body: unknown, maxBytes: number | undefined): string {
  let payload: string | undefined;
  try {
    payload = JSON.stringify(body);
  } catch (error) {
    if (error instanceof RangeError && /string length/u.test(error.message)) {
      throw new HttpError(413, 'the answer is longer than the longest string this server can build; ask for less in one request', { code: 'response_too_large' });
    }
    throw new HttpError(500, `internal error: the answer cannot be written as JSON (${error instanceof Error ? error.message : String(error)})`, { code: 'internal_error' });
  }
  if (payload === undefined) throw new HttpError(500, 'internal error: the answer is not a JSON value', { code: 'internal_error' });
  if (maxBytes !== undefined && payload.length > maxBytes / 3) {
    // Only long answers pay for counting UTF-8 bytes (a UTF-16 unit is at most 3 bytes).
    const bytes = Buffer.byteLength(payload);
    if (bytes > maxBytes) throw new HttpError(413, `the answer is ${bytes} bytes, over this server's limit of ${maxBytes}; ask for less in one request`, { code: 'response_too_large' });
  }
  return payload;
}

function send(res: ServerResponse, status: number, payload: string, headers: Readonly<Record<string, string>>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
