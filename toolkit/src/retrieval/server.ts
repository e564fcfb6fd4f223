/**
 * The retrieval server of s3 / Search-R1, so that their Python clients work unchanged:
 * `POST /retrieve` with `{"queries": [...], "topk": k, "return_scores": bool}` answers
 * `{"result": [[{"document": {"id", "contents"}, "score"}, ...], ...]}` (bare documents
 * without `return_scores`; a missing or zero `topk` falls back to the server's default, as
 * the original's `if not request.topk` does). `GET /` and `GET /health` describe the server.
 * Bad requests get a 4xx with `{"error", "field"}`; bodies, batches and k are capped.
 *
 * @example
 * ```ts
 * const server = await startRetrievalServer({ retriever: Bm25Index.build(docs), port: 8000 });
 * // curl -s localhost:8000/retrieve -d '{"queries": ["who founded x?"], "topk": 3, "return_scores": true}'
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { joinContents } from '../data/formats/corpus.js';
import type { Hit, Retriever } from './types.js';
import { readJsonBody } from '../core/json-body.js';
import { listen } from '../core/listen.js';

export interface RetrievalServerOptions {
  retriever: Retriever;
  /** Shown by `GET /health`, e.g. "bm25 datasets/lab". */
  name?: string;
  /** Documents in the index, shown by `GET /health`. */
  documents?: number;
  /** k when a request gives none (the original's `--topk`, default 3). */
  defaultTopk?: number;
  /** Largest k a request may ask for. */
  maxTopk?: number;
  /** Most queries in one request. */
  maxQueries?: number;
  /** Largest request body in bytes. */
  maxBodyBytes?: number;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Called once per answered request (for logs). */
  onRequest?: (info: { method: string; path: string; status: number; queries: number; ms: number }) => void;
}

export interface RunningRetrievalServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8000` */
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly field?: string) {
    super(message);
  }
}

type Limits = Record<'defaultTopk' | 'maxTopk' | 'maxQueries' | 'maxBodyBytes', number>;
export const DEFAULT_SERVER_LIMITS: Readonly<Limits> = { defaultTopk: 3, maxTopk: 1000, maxQueries: 4096, maxBodyBytes: 16 * 2 ** 20 };

export async function startRetrievalServer(options: RetrievalServerOptions): Promise<RunningRetrievalServer> {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...definedOnly(options) };
  const request = z.object({
    queries: z.array(z.string().max(100_000)).min(1).max(limits.maxQueries),
    topk: z.number().int().min(0).max(limits.maxTopk).nullish(),
    return_scores: z.boolean().nullish(),
  });

  const handle = async (req: IncomingMessage): Promise<{ status: number; body: unknown; queries: number }> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/' || path === '/health')) {
      return { status: 200, queries: 0, body: { status: 'ok', retriever: options.name ?? 'retriever', documents: options.documents ?? null, default_topk: limits.defaultTopk, max_topk: limits.maxTopk, max_queries: limits.maxQueries } };
    }
    if (path !== '/retrieve') throw new HttpError(404, `no route ${req.method} ${path}; use POST /retrieve or GET /health`);
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} /retrieve is not allowed; use POST`);
    const body = await readJsonBody(req, limits.maxBodyBytes, (status, message) => new HttpError(status, message));
    const parsed = request.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      throw new HttpError(400, `${field ?? 'body'}: ${issue?.message ?? 'invalid request'} (expected {"queries": [string, ...], "topk": int?, "return_scores": bool?})`, field);
    }
    const { queries, topk, return_scores: withScores } = parsed.data;
    const k = topk || limits.defaultTopk;
    const hits = await options.retriever.search(queries, k);
    const result = hits.map((list) => list.map((hit) => (withScores ? { document: documentOf(hit), score: hit.score } : documentOf(hit))));
    return { status: 200, queries: queries.length, body: { result } };
  };

  const server = createServer((req, res) => {
    const started = Date.now();
    handle(req).then(
      ({ status, body, queries }) => {
        send(res, status, body);
        options.onRequest?.({ method: req.method ?? '', path: req.url ?? '', status, queries, ms: Date.now() - started });
      },
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message = error instanceof Error ? error.message : String(error);
        send(res, status, { error: message, ...(error instanceof HttpError && error.field ? { field: error.field } : {}) });
        options.onRequest?.({ method: req.method ?? '', path: req.url ?? '', status, queries: 0, ms: Date.now() - started });
      },
    );
  });
  const url = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  return {
    server,
    url,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** The corpus line object the original returns: `{id, contents}`. */
function documentOf(hit: Hit): { id: string; contents: string } {
  return { id: hit.id, contents: hit.contents ?? joinContents(hit.title, hit.text) };
}

function definedOnly(options: RetrievalServerOptions): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const key of Object.keys(DEFAULT_SERVER_LIMITS) as (keyof Limits)[]) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
