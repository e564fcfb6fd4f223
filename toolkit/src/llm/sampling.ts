/**
 * The sampling settings of a request with every default filled in, validated once at the edge.
 * Backends, the response cache and the server all read settings through `resolveSampling`, so
 * "no temperature given" means the same thing everywhere (s3lab's default: greedy).
 */
import { z } from 'zod';
import type { ChatMessage, ChatRequest, CompletionRequest, SamplingOptions } from './types.js';

/** The settings a backend runs with when a request leaves them out. */
export const DEFAULT_SAMPLING: Readonly<Required<SamplingOptions>> = Object.freeze({
  temperature: 0,
  topP: 1,
  maxTokens: 512,
  stop: Object.freeze([]) as unknown as string[],
  seed: 0,
});

/** A request's settings, every one present. */
export type ResolvedSampling = Required<SamplingOptions>;

const samplingSchema = z.object({
  temperature: z.number().min(0).max(100).default(DEFAULT_SAMPLING.temperature),
  topP: z.number().gt(0).max(1).default(DEFAULT_SAMPLING.topP),
  maxTokens: z.number().int().min(1).default(DEFAULT_SAMPLING.maxTokens),
  stop: z.array(z.string().min(1, 'a stop string must not be empty')).max(64).default([]),
  seed: z.number().int().default(DEFAULT_SAMPLING.seed),
});

export const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
});

const chatRequestSchema = samplingSchema.extend({ messages: z.array(chatMessageSchema).min(1) });
const completionRequestSchema = samplingSchema.extend({ prompt: z.string() });

/** A request a backend cannot run as given (bad settings, a prompt too long for the model). Servers answer it with 400. */
export class ChatRequestError extends Error {
  override name = 'ChatRequestError';
  constructor(message: string, readonly param?: string) {
    super(message);
  }
}

export interface ResolvedChatRequest extends ResolvedSampling { messages: ChatMessage[] }
export interface ResolvedCompletionRequest extends ResolvedSampling { prompt: string }

/**
 * Validates a chat request and fills in the default settings; a bad one throws a
 * {@link ChatRequestError} naming `requests[i].field`.
 *
 * @example
 * ```ts
 * resolveChatRequest({ messages: [{ role: 'user', content: 'Hi' }] }).maxTokens; // 512
 * ```
 */
export function resolveChatRequest(request: ChatRequest, index = 0): ResolvedChatRequest {
  return parseRequest(chatRequestSchema, request, index);
}

/** {@link resolveChatRequest} for a raw-prompt completion. */
export function resolveCompletionRequest(request: CompletionRequest, index = 0): ResolvedCompletionRequest {
  return parseRequest(completionRequestSchema, request, index);
}

function parseRequest<T extends z.ZodType>(schema: T, request: unknown, index: number): z.output<T> {
  const parsed = schema.safeParse(request);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  throw new ChatRequestError(`requests[${index}]${field ? `.${field}` : ''}: ${issue?.message ?? 'invalid request'}`, field || undefined);
}

/** Just the sampling settings of a resolved request (its messages or prompt left out). */
export function samplingOf(request: ResolvedSampling): ResolvedSampling {
  const { temperature, topP, maxTokens, stop, seed } = request;
  return { temperature, topP, maxTokens, stop, seed };
}

/**
 * Where the text ends under OpenAI's stop semantics: before the earliest occurrence of any stop
 * string (the stop string itself is not returned). `undefined` when none occurs.
 *
 * @example
 * ```ts
 * firstStopIndex('Paris.</answer> more', ['</answer>', '\n']); // 6
 * ```
 */
export function firstStopIndex(text: string, stops: readonly string[]): number | undefined {
  let first: number | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first === undefined || at < first)) first = at;
  }
  return first;
}
