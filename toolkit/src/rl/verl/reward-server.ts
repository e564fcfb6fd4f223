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
 * failure is a 500, which the Python client retries. A few requests are scored at once and a few
 * wait (503 with Retry-After beyond that); a request whose client disconnected stops before its
 * next generator or judge call. The HTTP plumbing is `core/json-server.ts`.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel } from '@s3lab/toolkit';
 * const server = await startRewardServer({ generator: await loadLocalChatModel('datasets/models/lab-generator'), ragCache: '/tmp/rag-cache.jsonl', port: 8765 });
 * // curl -s localhost:8765/health
 * await server.close();
 * ```
 */
import type { Server } from 'node:http';
import { z } from 'zod';
import { HttpError } from '../../core/http-error.js';
import { serverLimits, startJsonServer } from '../../core/json-server.js';
import { LlmServerError } from '../../llm/openai.js';
import { ChatRequestError } from '../../llm/sampling.js';
import { RewardRequestError, RewardService, rewardItemSchema, type RewardServiceOptions, type ServedReward } from './reward-service.js';

/**
 * The server's limits. Scoring a request is slow (generator calls, a judge), so few run at once
 * and few wait: a client beyond that is told 503 with Retry-After at once, rather than waiting
 * behind a long queue until its own timeout (verl's client retries a 5xx).
 */
export const DEFAULT_REWARD_SERVER_LIMITS = { maxItems: 8192, maxBodyBytes: 256 * 2 ** 20, maxInFlight: 2, maxQueue: 4 } as const;

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
  /** Requests scored at once (default 2). */
  maxInFlight?: number;
  /** Requests waiting for a turn; more get a 503 with Retry-After (default 4). */
  maxQueue?: number;
  /** Called once per answered request (for logs; status 499: the client left first). */
  onRequest?: (info: { method: string; path: string; status: number; items: number; ms: number; meanScore: number | null }) => void;
}

export interface RunningRewardServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8765`; the endpoint is `${url}/reward`. */
  url: string;
  reward: ServedReward;
  close(): Promise<void>;
}

const EXPECTED = '{"items": [{"solution_str": string, "ground_truth": {"target": [string, ...]}, "data_source"?: string, "question"?: string}, ...]}';

/**
 * Starts the reward server; it answers until `close()`.
 *
 * @example
 * ```ts
 * const server = await startRewardServer({ generator, ragCache: 'rag-cache.jsonl', reward: 'gbr+genacc', port: 0 });
 * const response = await fetch(`${server.url}/reward`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
 * ```
 */
export async function startRewardServer(options: RewardServerOptions): Promise<RunningRewardServer> {
  const service = await RewardService.open(options);
  const limits = serverLimits(DEFAULT_REWARD_SERVER_LIMITS, options);
  const bodySchema = z.object({ items: z.array(rewardItemSchema).min(1).max(limits.maxItems) });
  const stats = { requests: 0, items: 0, scoreSum: 0 };
  type Log = { items: number; meanScore: number };

  const reward = async (raw: unknown, signal: AbortSignal): Promise<{ body: unknown; log: Log }> => {
    const parsed = bodySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      throw new HttpError(400, `${field ?? 'body'}: ${issue?.message ?? 'invalid request'} (expected ${EXPECTED})`, { field });
    }
    const result = await service.score(parsed.data.items, signal);
    const sum = result.scores.reduce((a, b) => a + b, 0);
    stats.requests += 1;
    stats.items += result.scores.length;
    stats.scoreSum += sum;
    return { body: { reward: service.reward, ...result }, log: { items: result.scores.length, meanScore: sum / result.scores.length } };
  };

  const running = await startJsonServer<Log>({
    host: options.host,
    port: options.port,
    maxBodyBytes: limits.maxBodyBytes,
    maxInFlight: limits.maxInFlight,
    maxQueue: limits.maxQueue,
    routes: { '/reward': { method: 'POST', handle: ({ body, signal }) => reward(body, signal) } },
    health: (load) => ({
      ok: true, reward: service.reward, generator: options.generator.name, judge: options.judge?.name ?? null,
      ragCache: service.describeCache(), retriever: options.retriever ? (options.retrieverName ?? 'configured') : null,
      served: { requests: stats.requests, items: stats.items, meanScore: stats.items ? stats.scoreSum / stats.items : null },
      load,
    }),
    errorBody: (error) => ({ error: error.message, ...(error.field ? { field: error.field } : {}) }),
    toHttpError: (error) => {
      if (error instanceof RewardRequestError) return new HttpError(error.status, error.message, error.field === undefined ? {} : { field: error.field });
      // The generator refusing a request (a context over its length, say) will refuse it again: a 422, not retried.
      const refused = error instanceof ChatRequestError || (error instanceof LlmServerError && error.status !== undefined && error.status >= 400 && error.status < 500);
      const message = error instanceof Error ? error.message : String(error);
      return new HttpError(refused ? 422 : 500, `${refused ? 'the generator refused a request' : 'reward failed'}: ${message}`);
    },
    onRequest: options.onRequest && ((info, log) => options.onRequest?.({ ...info, items: log?.items ?? 0, meanScore: log?.meanScore ?? null })),
  });
  return { server: running.server, url: running.url, reward: service.reward, close: () => running.close() };
}
