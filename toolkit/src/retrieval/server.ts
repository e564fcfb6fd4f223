/**
 * The retrieval server of s3 / Search-R1, so that their Python clients work unchanged:
 * `POST /retrieve` with `{"queries": [...], "topk": k, "return_scores": bool}` answers
 * `{"result": [[{"document": {"id", "contents"}, "score"}, ...], ...]}` (bare documents
 * without `return_scores`; a missing or zero `topk` falls back to the server's default, as
 * the original's `if not request.topk` does). `GET /` and `GET /health` describe the server.
 * Bad requests get a 4xx with `{"error", "field"}`; bodies, batches, k and the hits of one
 * answer (queries × k) are capped. The HTTP plumbing (admission, Host check, strict JSON) is
 * `core/json-server.ts`.
 *
 * @example
 * ```ts
 * const server = await startRetrievalServer({ retriever: Bm25Index.build(docs), port: 8000 });
 * // curl -s localhost:8000/retrieve -H 'content-type: application/json' -d '{"queries": ["who founded x?"], "topk": 3, "return_scores": true}'
 * await server.close();
 * ```
 */
import type { Server } from 'node:http';
import { z } from 'zod';
import { joinContents } from '../data/formats/corpus.js';
import type { Hit, Retriever } from './types.js';
import { HttpError } from '../core/http-error.js';
import { serverLimits, startJsonServer } from '../core/json-server.js';

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
  /** Most hits in one answer (queries × k): bounds the work and the bytes of one answer. */
  maxHits?: number;
  /** Largest answer in bytes: the guard behind `maxHits`, for passages longer than expected. */
  maxResponseBytes?: number;
  /** Largest request body in bytes. */
  maxBodyBytes?: number;
  /** Requests searched at once. */
  maxInFlight?: number;
  /** Requests waiting for a turn; more get a 503 with Retry-After. */
  maxQueue?: number;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Called once per answered request (for logs; status 499: the client left first). */
  onRequest?: (info: { method: string; path: string; status: number; queries: number; ms: number }) => void;
}

export interface RunningRetrievalServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8000` */
  url: string;
  close(): Promise<void>;
}

type Limits = Record<'defaultTopk' | 'maxTopk' | 'maxQueries' | 'maxHits' | 'maxResponseBytes' | 'maxBodyBytes' | 'maxInFlight' | 'maxQueue', number>;
/**
 * The server's limits. `maxHits`: an answer costs about 730 bytes of JSON a hit (measured on the
 * lab world, whose passages are as long as wiki-18's 100-word ones, ~700 B), so 100k hits are
 * ~73 MB, far below the ~512 MiB string V8 can build; `maxResponseBytes` catches longer passages. Searches run a few at a time
 * (BM25 holds the event loop while it scores) and 256 may wait, so 64 concurrent clients are
 * all answered.
 */
export const DEFAULT_SERVER_LIMITS: Readonly<Limits> = {
  defaultTopk: 3, maxTopk: 1000, maxQueries: 4096, maxHits: 100_000, maxResponseBytes: 256 * 2 ** 20, maxBodyBytes: 16 * 2 ** 20, maxInFlight: 4, maxQueue: 256,
};

/**
 * Starts the server; it answers until `close()`.
 *
 * @example
 * ```ts
 * const server = await startRetrievalServer({ retriever: index, name: 'bm25 lab', port: 0, maxHits: 50_000 });
 * ```
 */
export async function startRetrievalServer(options: RetrievalServerOptions): Promise<RunningRetrievalServer> {
  const limits = serverLimits(DEFAULT_SERVER_LIMITS, options);
  const request = z.object({
    queries: z.array(z.string().max(100_000)).min(1).max(limits.maxQueries),
    topk: z.number().int().min(0).max(limits.maxTopk).nullish(),
    return_scores: z.boolean().nullish(),
  });

  const retrieve = async (raw: unknown, signal: AbortSignal): Promise<{ body: unknown; log: { queries: number } }> => {
    const parsed = request.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      throw new HttpError(400, `${field ?? 'body'}: ${issue?.message ?? 'invalid request'} (expected {"queries": [string, ...], "topk": int?, "return_scores": bool?})`, { field });
    }
    const { queries, topk, return_scores: withScores } = parsed.data;
    const k = topk || limits.defaultTopk;
    if (queries.length * k > limits.maxHits) {
      throw new HttpError(413, `${queries.length} queries × topk ${k} = ${queries.length * k} hits, over this server's limit of ${limits.maxHits} hits per request; send fewer queries per request or a smaller topk`);
    }
    signal.throwIfAborted();
    const hits = await options.retriever.search(queries, k);
    const result = hits.map((list) => list.map((hit) => (withScores ? { document: documentOf(hit), score: hit.score } : documentOf(hit))));
    return { body: { result }, log: { queries: queries.length } };
  };

  const running = await startJsonServer<{ queries: number }>({
    host: options.host,
    port: options.port,
    maxBodyBytes: limits.maxBodyBytes,
    maxResponseBytes: limits.maxResponseBytes,
    maxInFlight: limits.maxInFlight,
    maxQueue: limits.maxQueue,
    routes: { '/retrieve': { method: 'POST', handle: ({ body, signal }) => retrieve(body, signal) } },
    health: (load) => ({
      status: 'ok', retriever: options.name ?? 'retriever', documents: options.documents ?? null,
      default_topk: limits.defaultTopk, max_topk: limits.maxTopk, max_queries: limits.maxQueries, max_hits: limits.maxHits,
      max_in_flight: load.maxInFlight, max_queue: load.maxQueue, in_flight: load.inFlight, queued: load.queued,
    }),
    errorBody: (error) => ({ error: error.message, ...(error.field ? { field: error.field } : {}) }),
    onRequest: options.onRequest && ((info, log) => options.onRequest?.({ ...info, queries: log?.queries ?? 0 })),
  });
  return { server: running.server, url: running.url, close: () => running.close() };
}

/** The corpus line object the original returns: `{id, contents}`. */
function documentOf(hit: Hit): { id: string; contents: string } {
  return { id: hit.id, contents: hit.contents ?? joinContents(hit.title, hit.text) };
}
