/**
 * A content-addressed on-disk response cache around any `ChatModel`. The key is the sha256 of the
 * canonical JSON of everything that decides an answer: the model's name, chat or completion, the
 * messages or prompt, and every sampling setting with its default filled in (seed included). Each
 * entry is one file, `dir/ab/cdef….json`, written to a temporary file and renamed into place, so
 * several processes may fill one cache at once and a crash leaves either a whole entry or none (a
 * torn temporary file is never read: only the exact entry name is). An entry that does not parse
 * is a miss: it is regenerated and rewritten, with a warning.
 *
 * Re-running a notebook over a filled cache therefore calls no model and gives the same answers.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAll, writeFileAtomically } from '../core/atomic-file.js';
import { canonicalJson } from './canonical-json.js';
import { resolveChatRequest, resolveCompletionRequest, samplingOf, type ResolvedChatRequest, type ResolvedCompletionRequest } from './sampling.js';
import type { ChatModel, ChatRequest, ChatResponse, CompletionRequest } from './types.js';

/** Bumped when the key recipe or the entry format changes, so old entries are simply not found. */
const CACHE_FORMAT = 1;

export interface CacheOptions {
  /** The cache directory (created when missing). Share it between runs, notebooks and processes. */
  dir: string;
  /** Called for each unreadable entry (default: `process.emitWarning`). */
  onWarning?: (message: string) => void;
}

export interface CacheStats {
  /** Requests answered from disk. */
  hits: number;
  /** Requests not found on disk, so answered by the wrapped model (identical ones in one call are sent once). */
  misses: number;
}

export interface CachedChatModel extends ChatModel {
  /** Counts since this wrapper was made (a live view). */
  readonly stats: Readonly<CacheStats>;
  readonly dir: string;
  /** The wrapped backend. */
  readonly inner: ChatModel;
}

type Kind = 'chat' | 'completion';

const entrySchema = z.object({
  format: z.literal(CACHE_FORMAT),
  key: z.string(),
  response: z.object({
    text: z.string(),
    finishReason: z.enum(['stop', 'length']),
    usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  }),
});

/**
 * The cache key of one request: a sha256 hex digest.
 *
 * @example
 * ```ts
 * cacheKey('qwen', 'chat', { messages: [{ role: 'user', content: 'Hi' }] }) === cacheKey('qwen', 'chat', { messages: [{ role: 'user', content: 'Hi' }], temperature: 0, seed: 0 }); // true
 * ```
 */
export function cacheKey(model: string, kind: 'chat', request: ChatRequest): string;
export function cacheKey(model: string, kind: 'completion', request: CompletionRequest): string;
export function cacheKey(model: string, kind: Kind, request: ChatRequest | CompletionRequest): string {
  const resolved = kind === 'chat' ? resolveChatRequest(request as ChatRequest) : resolveCompletionRequest(request as CompletionRequest);
  return keyOf(model, kind, resolved);
}

function keyOf(model: string, kind: Kind, resolved: ResolvedChatRequest | ResolvedCompletionRequest): string {
  const input = 'messages' in resolved ? { messages: resolved.messages.map(({ role, content }) => ({ role, content })) } : { prompt: resolved.prompt };
  const material = canonicalJson({ format: CACHE_FORMAT, model, kind, ...input, sampling: samplingOf(resolved) });
  return createHash('sha256').update(material).digest('hex');
}

/** Where an entry lives: two hex digits of fan-out keep directories small at millions of entries. */
export function cacheEntryPath(dir: string, key: string): string {
  return join(dir, key.slice(0, 2), `${key.slice(2)}.json`);
}

/**
 * Wraps `model` with the on-disk cache: hits come back with `cached: true` and cost nothing;
 * the misses of one call go to `model` as one batch (identical requests only once).
 *
 * @example
 * ```ts
 * import { cachedChatModel, openAiChatModel } from '@s3lab/toolkit';
 * const generator = cachedChatModel(openAiChatModel({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen' }), { dir: 'cache/llm' });
 * await generator.chat([{ messages: [{ role: 'user', content: 'Hi' }] }]); // asks the server
 * await generator.chat([{ messages: [{ role: 'user', content: 'Hi' }] }]); // read from cache/llm
 * console.log(generator.stats); // { hits: 1, misses: 1 }
 * ```
 */
export function cachedChatModel(model: ChatModel, options: CacheOptions): CachedChatModel {
  const dir = z.string().min(1, 'cachedChatModel: dir must name a directory').parse(options.dir);
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'S3labCacheWarning'));
  const stats: CacheStats = { hits: 0, misses: 0 };

  const read = async (key: string): Promise<ChatResponse | undefined> => {
    const path = cacheEntryPath(dir, key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: z.ZodSafeParseResult<z.output<typeof entrySchema>>;
    try {
      parsed = entrySchema.safeParse(JSON.parse(text));
    } catch (error) {
      warn(`response cache entry ${path} is not JSON (${(error as Error).message}); regenerating it`);
      return undefined;
    }
    if (!parsed.success || parsed.data.key !== key) {
      warn(`response cache entry ${path} is not a valid entry for key ${key}${parsed.success ? ' (it holds another key)' : `: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`}; regenerating it`);
      return undefined;
    }
    return { ...parsed.data.response, cached: true };
  };

  const write = async (key: string, kind: Kind, request: unknown, response: ChatResponse): Promise<void> => {
    const { text, finishReason, usage } = response;
    // The request is stored beside the answer only to make entries readable by a person.
    const entry = { format: CACHE_FORMAT, key, model: model.name, kind, request, response: { text, finishReason, usage } };
    await writeFileAtomically(cacheEntryPath(dir, key), (handle) => writeAll(handle, Buffer.from(`${JSON.stringify(entry)}\n`)));
  };

  const run = async <R extends ResolvedChatRequest | ResolvedCompletionRequest>(kind: Kind, resolved: R[], call: (missing: R[]) => Promise<ChatResponse[]>): Promise<ChatResponse[]> => {
    const keys = resolved.map((r) => keyOf(model.name, kind, r));
    const found = await Promise.all(keys.map(read));
    const out: (ChatResponse | undefined)[] = [...found];
    // Identical requests in one call are one miss: the backend answers each key once.
    const firstOfKey = new Map<string, number>();
    keys.forEach((key, i) => {
      if (found[i] === undefined && !firstOfKey.has(key)) firstOfKey.set(key, i);
    });
    const missing = [...firstOfKey.values()];
    stats.hits += found.filter((f) => f !== undefined).length;
    stats.misses += resolved.length - found.filter((f) => f !== undefined).length;
    if (missing.length > 0) {
      const answers = await call(missing.map((i) => resolved[i] as R));
      if (answers.length !== missing.length) throw new Error(`model ${model.name} answered ${answers.length} responses for ${missing.length} requests`);
      await Promise.all(missing.map((i, j) => write(keys[i] as string, kind, resolved[i], answers[j] as ChatResponse)));
      const byKey = new Map(missing.map((i, j) => [keys[i] as string, { ...(answers[j] as ChatResponse), cached: false }]));
      keys.forEach((key, i) => {
        if (out[i] === undefined) out[i] = byKey.get(key);
      });
    }
    return out as ChatResponse[];
  };

  return {
    name: model.name,
    dir,
    inner: model,
    stats,
    chat: (requests) => run('chat', requests.map((r, i) => resolveChatRequest(r, i)), (missing) => model.chat(missing)),
    complete: (requests) => run('completion', requests.map((r, i) => resolveCompletionRequest(r, i)), (missing) => model.complete(missing)),
  };
}
