/**
 * An OpenAI-compatible server over any `ChatModel`, so that anything that speaks to vLLM (s3lab's
 * own `openAiChatModel`, the `openai` Python package, curl) can use a local s3lab model:
 * `POST /v1/chat/completions`, `POST /v1/completions`, `GET /v1/models`, `GET /health`.
 * Responses have OpenAI's shapes; errors are OpenAI's `{error: {message, type, param, code}}`.
 * Requests arriving together are micro-batched into one `chat()`/`complete()` call; a request
 * whose client disconnected before its batch started is dropped. The HTTP plumbing (admission,
 * Host check, strict JSON) is `core/json-server.ts`.
 *
 * Differences from OpenAI, on purpose: `n` must be 1 and `stream` false (each is a clear 400);
 * an absent `temperature` means s3lab's default, 0 (greedy), not OpenAI's 1.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { z } from 'zod';
import { MicroBatcher } from './micro-batch.js';
import { ChatRequestError } from './sampling.js';
import type { ChatModel, ChatRequest, ChatResponse, CompletionRequest, SamplingOptions } from './types.js';
import { HttpError } from '../core/http-error.js';
import { serverLimits, startJsonServer } from '../core/json-server.js';

/**
 * The server's limits. Requests in flight wait in the micro-batcher, where they are cheap and
 * make the batches full, so many may be in flight: 64 concurrent clients are answered without a
 * 503, and 256 more may wait.
 */
export const DEFAULT_LLM_SERVER_LIMITS = { maxBatch: 16, batchWindowMs: 5, maxBodyBytes: 16 * 2 ** 20, maxInFlight: 64, maxQueue: 256, maxPrompts: 256 } as const;

export interface LlmServerOptions {
  model: ChatModel;
  /** The name `/v1/models` lists and requests must use (default: the model's own name). */
  name?: string;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Most requests per batched call (default 16). */
  maxBatch?: number;
  /** How long a request waits for others to batch with, in ms (default 5). */
  batchWindowMs?: number;
  /** Largest request body in bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** Requests worked on at once, batched or waiting for a batch (default 64). */
  maxInFlight?: number;
  /** Requests waiting for a turn; more get a 503 with Retry-After (default 256). */
  maxQueue?: number;
  /** Called once per answered request (for logs; status 499: the client left first). */
  onRequest?: (info: { method: string; path: string; status: number; ms: number }) => void;
}

export interface RunningLlmServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8001`; clients use `${url}/v1`. */
  url: string;
  /** The served model name. */
  name: string;
  /** Sizes of the batches the model was called with (for logs and tests). */
  readonly batchSizes: readonly number[];
  close(): Promise<void>;
}

/** An OpenAI-style error answer: `field` is OpenAI's `param`. */
class ApiError extends HttpError {
  constructor(status: number, message: string, param: string | null = null, code: string | null = null, readonly type = 'invalid_request_error') {
    super(status, message, { ...(param === null ? {} : { field: param }), ...(code === null ? {} : { code }) });
  }
}

const roles = ['system', 'user', 'assistant', 'tool'] as const;
/** A message's content: a string, or OpenAI's list of parts of which only text parts are understood. */
const contentSchema = z.union([z.string(), z.array(z.looseObject({ type: z.literal('text'), text: z.string() }))]).nullish();
const samplingFields = {
  model: z.string().optional(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  seed: z.number().int().nullish(),
  n: z.number().int().nullish(),
  stream: z.boolean().nullish(),
};
const chatBodySchema = z.looseObject({
  ...samplingFields,
  messages: z.array(z.looseObject({ role: z.enum(roles), content: contentSchema })).min(1),
});
const completionBodySchema = z.looseObject({
  ...samplingFields,
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
});
type SamplingBody = z.output<z.ZodObject<typeof samplingFields>>;

type Kind = 'chat' | 'completion';

/**
 * Starts the server; it answers until `close()`.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel, startLlmServer, openAiChatModel } from '@s3lab/toolkit';
 * const server = await startLlmServer({ model: await loadLocalChatModel('test/fixtures/lm/tiny-chat'), port: 8001 });
 * // curl -s localhost:8001/v1/chat/completions -H 'content-type: application/json' -d '{"model": "tiny-chat", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8}'
 * const client = openAiChatModel({ baseUrl: `${server.url}/v1`, model: server.name });
 * await server.close();
 * ```
 */
export async function startLlmServer(options: LlmServerOptions): Promise<RunningLlmServer> {
  const { model } = options;
  const name = options.name ?? model.name;
  const startedAt = Math.floor(Date.now() / 1000);
  const limits = serverLimits(DEFAULT_LLM_SERVER_LIMITS, options);
  const batcher = new MicroBatcher<Kind, ChatRequest | CompletionRequest, ChatResponse>(
    (kind, requests) => (kind === 'chat' ? model.chat(requests as ChatRequest[]) : model.complete(requests as CompletionRequest[])),
    { maxBatch: limits.maxBatch, windowMs: limits.batchWindowMs },
  );

  const checkCommon = (body: SamplingBody): void => {
    if (body.model !== undefined && body.model !== name) {
      throw new ApiError(404, `The model \`${body.model}\` does not exist; this server serves ${JSON.stringify(name)} (GET /v1/models lists it)`, 'model', 'model_not_found', 'NotFoundError');
    }
    if (body.n !== undefined && body.n !== null && body.n !== 1) throw new ApiError(400, `n = ${body.n} is not supported: this server returns one choice per request (send n: 1, or several requests)`, 'n', 'unsupported_value');
    if (body.stream === true) throw new ApiError(400, 'stream: true is not supported by this server; send stream: false (the default)', 'stream', 'unsupported_value');
  };

  const chatCompletion = async (raw: unknown, signal: AbortSignal): Promise<{ body: unknown }> => {
    const body = parseBody(chatBodySchema, raw, '{"model": string, "messages": [{"role", "content"}, ...], "max_tokens"?, "temperature"?, ...}');
    checkCommon(body);
    const messages = body.messages.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text).join('') }));
    const answer = await batcher.submit('chat', { messages, ...samplingOf(body) }, signal);
    return {
      body: {
        id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: name,
        choices: [{ index: 0, message: { role: 'assistant', content: answer.text }, logprobs: null, finish_reason: answer.finishReason }],
        usage: usageOf([answer]),
      },
    };
  };

  const textCompletion = async (raw: unknown, signal: AbortSignal): Promise<{ body: unknown }> => {
    const body = parseBody(completionBodySchema, raw, '{"model": string, "prompt": string | [string, ...], "max_tokens"?, "temperature"?, ...}');
    checkCommon(body);
    const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
    // One request's prompts are one admission but each a generation: bounded, so one request cannot hold the model for hours.
    if (prompts.length > limits.maxPrompts) throw new ApiError(400, `prompt: ${prompts.length} prompts, over this server's limit of ${limits.maxPrompts} per request; send them in several requests`, 'prompt', 'invalid_value');
    const sampling = samplingOf(body);
    // A list of prompts is answered as one choice each, as OpenAI does; each joins the batcher on its own.
    const answers = await Promise.all(prompts.map((prompt) => batcher.submit('completion', { prompt, ...sampling }, signal)));
    return {
      body: {
        id: `cmpl-${randomUUID().replaceAll('-', '')}`,
        object: 'text_completion',
        created: Math.floor(Date.now() / 1000),
        model: name,
        choices: answers.map((a, index) => ({ index, text: a.text, logprobs: null, finish_reason: a.finishReason })),
        usage: usageOf(answers),
      },
    };
  };

  const running = await startJsonServer<never>({
    host: options.host,
    port: options.port,
    maxBodyBytes: limits.maxBodyBytes,
    maxInFlight: limits.maxInFlight,
    maxQueue: limits.maxQueue,
    routes: {
      '/v1/chat/completions': { method: 'POST', handle: ({ body, signal }) => chatCompletion(body, signal) },
      '/v1/completions': { method: 'POST', handle: ({ body, signal }) => textCompletion(body, signal) },
      '/v1/models': { method: 'GET', light: true, handle: () => ({ body: { object: 'list', data: [{ id: name, object: 'model', created: startedAt, owned_by: 's3lab' }] } }) },
    },
    health: (load) => ({ status: 'ok', model: name, load }),
    errorBody: (error) => ({
      error: { message: error.message, type: error instanceof ApiError ? error.type : error.status >= 500 ? 'server_error' : 'invalid_request_error', param: error.field ?? null, code: error.code ?? null },
    }),
    toHttpError: (error) => (error instanceof ChatRequestError
      ? new ApiError(400, error.message, error.param ?? null, 'invalid_value')
      : new ApiError(500, `model ${name} failed: ${error instanceof Error ? error.message : String(error)}`, null, null, 'server_error')),
    onRequest: options.onRequest && ((info) => options.onRequest?.(info)),
  });
  return { server: running.server, url: running.url, name, batchSizes: batcher.batchSizes, close: () => running.close() };
}

function parseBody<T extends z.ZodType>(schema: T, raw: unknown, expected: string): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || null;
  throw new ApiError(400, `${field ?? 'body'}: ${issue?.message ?? 'invalid request'} (expected ${expected})`, field, 'invalid_value');
}

/** OpenAI field names to s3lab's; absent fields stay absent so the model's defaults apply. */
function samplingOf(body: SamplingBody): SamplingOptions {
  const out: SamplingOptions = {};
  if (body.temperature != null) out.temperature = body.temperature;
  if (body.top_p != null) out.topP = body.top_p;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) out.maxTokens = maxTokens;
  if (body.stop != null) out.stop = (typeof body.stop === 'string' ? [body.stop] : body.stop).filter((s) => s !== '');
  if (body.seed != null) out.seed = body.seed;
  return out;
}

function usageOf(answers: ChatResponse[]): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const prompt = answers.reduce((sum, a) => sum + a.usage.promptTokens, 0);
  const completion = answers.reduce((sum, a) => sum + a.usage.completionTokens, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
