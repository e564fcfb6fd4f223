/**
 * The s3 reward over HTTP, for verl: at paper scale PPO runs in Python (verl on Ray) and calls
 * `python/s3lab_reward.py`, which posts here, so the reward verl trains on is computed by the same
 * TypeScript code as everything else in s3lab (see `reward-service.ts`).
 *
 *   POST /reward  {"items": [{"solution_str", "ground_truth": {"target": [...]}, "data_source"?, "question"?}, ...]}
 *              →  {"reward": "gbr", "scores": [number, ...], "details": [{"genacc", "ragGenacc", "gbr", "documents", "question", ...}, ...]}
 *   GET /health → {"ok": true, "reward": "gbr" | "gbr+genacc", "generator", "judge", "ragCache": {...}, ...}
 *
 * A request's items are scored together (one batched generator call, one batched judge call).
 * Bad bodies get 400 `{"error", "field"}` naming the field and the expected shape; items the
 * reward cannot score (no start marker, a question missing from the RAG cache and no retriever)
 * get 422, as do requests the generator refuses (a context over its length); any other generator
 * failure is a 500, which the Python client retries.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel } from '@s3lab/toolkit';
 * const server = await startRewardServer({ generator: await loadLocalChatModel('datasets/models/lab-generator'), ragCache: '/tmp/rag-cache.jsonl', port: 8765 });
 * // curl -s localhost:8765/health
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { readJsonBody } from '../../core/json-body.js';
import { LlmServerError } from '../../llm/openai.js';
import { ChatRequestError } from '../../llm/sampling.js';
import { RewardRequestError, RewardService, rewardItemSchema, type RewardServiceOptions, type ServedReward } from './reward-service.js';
import { listen } from '../../core/listen.js';

export interface RewardServerOptions extends RewardServiceOptions {
  /** Shown by `GET /health` when a retriever is configured, e.g. its URL or index directory. */
  retrieverName?: string;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Most items in one request (default 8192). */
  maxItems?: number;
  /** Largest request body in bytes (default 256 MiB: 8k-token texts, thousands of them). */
  maxBodyBytes?: number;
  /** Called once per answered request (for logs). */
  onRequest?: (info: { method: string; path: string; status: number; items: number; ms: number; meanScore: number | null }) => void;
}

export interface RunningRewardServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8765`; the endpoint is `${url}/reward`. */
  url: string;
  reward: ServedReward;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly field?: string) {
    super(message);
  }
}

const EXPECTED = '{"items": [{"solution_str": string, "ground_truth": {"target": [string, ...]}, "data_source"?: string, "question"?: string}, ...]}';

/**
 * Starts the reward server; it answers until `close()`.
 *
 * @example
 * ```ts
 * const server = await startRewardServer({ generator, ragCache: 'rag-cache.jsonl', reward: 'gbr+genacc', port: 0 });
 * const response = await fetch(`${server.url}/reward`, { method: 'POST', body: JSON.stringify({ items }) });
 * ```
 */
export async function startRewardServer(options: RewardServerOptions): Promise<RunningRewardServer> {
  const service = await RewardService.open(options);
  const maxItems = options.maxItems ?? 8192;
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 2 ** 20;
  const bodySchema = z.object({ items: z.array(rewardItemSchema).min(1).max(maxItems) });
  const stats = { requests: 0, items: 0, scoreSum: 0 };

  const handle = async (req: IncomingMessage): Promise<{ body: unknown; items: number; meanScore: number | null }> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && (path === '/' || path === '/health')) {
      return {
        items: 0, meanScore: null,
        body: {
          ok: true, reward: service.reward, generator: options.generator.name, judge: options.judge?.name ?? null,
          ragCache: service.describeCache(), retriever: options.retriever ? (options.retrieverName ?? 'configured') : null,
          served: { requests: stats.requests, items: stats.items, meanScore: stats.items ? stats.scoreSum / stats.items : null },
        },
      };
    }
    if (path !== '/reward') throw new HttpError(404, `no route ${req.method ?? ''} ${path}; use POST /reward or GET /health`);
    if (req.method !== 'POST') throw new HttpError(405, `${req.method ?? ''} /reward is not allowed; use POST`);
    const raw = await readJsonBody(req, maxBodyBytes, (status, message) => new HttpError(status, message));
    const parsed = bodySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      throw new HttpError(400, `${field ?? 'body'}: ${issue?.message ?? 'invalid request'} (expected ${EXPECTED})`, field);
    }
    const result = await service.score(parsed.data.items);
    const sum = result.scores.reduce((a, b) => a + b, 0);
    stats.requests += 1;
    stats.items += result.scores.length;
    stats.scoreSum += sum;
    return { body: { reward: service.reward, ...result }, items: result.scores.length, meanScore: sum / result.scores.length };
  };

  const server = createServer((req, res) => {
    const started = Date.now();
    const done = (status: number, body: unknown, items: number, meanScore: number | null): void => {
      send(res, status, body);
      options.onRequest?.({ method: req.method ?? '', path: req.url ?? '', status, items, ms: Date.now() - started, meanScore });
    };
    handle(req).then(
      ({ body, items, meanScore }) => done(200, body, items, meanScore),
      (error: unknown) => {
        const known = error instanceof HttpError || error instanceof RewardRequestError;
        const message = error instanceof Error ? error.message : String(error);
        const field = known ? error.field : undefined;
        if (known) return done(error.status, { error: message, ...(field ? { field } : {}) }, 0, null);
        // The generator refusing a request (a context over its length, say) will refuse it again: a 422, not retried.
        const refused = error instanceof ChatRequestError || (error instanceof LlmServerError && error.status !== undefined && error.status >= 400 && error.status < 500);
        done(refused ? 422 : 500, { error: `${refused ? 'the generator refused a request' : 'reward failed'}: ${message}` }, 0, null);
      },
    );
  });
  const url = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  return {
    server,
    url,
    reward: service.reward,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
