/**
 * A `ChatModel` over a causal LM running in this process (tfjs): the tokenizer's chat template
 * renders the messages, the model generates for a whole batch at once, and string stop sequences
 * end a sequence early through `stopWhen`. Requests that share their sampling settings (temperature,
 * top-p, max tokens, seed) are one `generateBatch` call; stop strings may differ inside a batch.
 */
import { basename, resolve } from 'node:path';
import { loadCausalLM, type LoadCausalLMOptions } from '../models/lm/index.js';
import type { CausalLM } from '../models/lm/types.js';
import { loadTokenizer, type TextTokenizer } from '../models/index.js';
import { ChatRequestError, firstStopIndex, resolveChatRequest, resolveCompletionRequest, type ResolvedSampling } from './sampling.js';
import type { ChatModel, ChatRequest, ChatResponse, CompletionRequest } from './types.js';

/** What the local backend needs of a tokenizer (a `TextTokenizer` from `loadTokenizer` has it all). */
export type ChatTokenizer = Pick<TextTokenizer, 'encode' | 'decode' | 'eosTokenIds' | 'applyChatTemplate'> & Partial<Pick<TextTokenizer, 'decodeBatch'>>;

export interface LocalChatModelOptions {
  model: CausalLM;
  tokenizer: ChatTokenizer;
  /** The name responses and cache keys carry, e.g. the model directory's name. */
  name: string;
}

export interface LocalChatModel extends ChatModel {
  readonly model: CausalLM;
  readonly tokenizer: ChatTokenizer;
  /** Frees the model's weights. */
  dispose(): void;
}

interface Prepared extends ResolvedSampling {
  ids: number[];
}

/**
 * Wraps a loaded model and tokenizer as a `ChatModel`.
 *
 * @example
 * ```ts
 * import { loadCausalLM, loadTokenizer, localChatModel } from '@s3lab/toolkit';
 * const dir = 'test/fixtures/lm/tiny-chat';
 * const reader = localChatModel({ model: await loadCausalLM(dir), tokenizer: await loadTokenizer(dir), name: 'tiny-chat' });
 * const [answer] = await reader.chat([{ messages: [{ role: 'user', content: 'Who founded Cuga Records?' }], maxTokens: 16 }]);
 * ```
 */
export function localChatModel(options: LocalChatModelOptions): LocalChatModel {
  const { model, tokenizer, name } = options;
  if (typeof name !== 'string' || name === '') throw new Error('localChatModel: name must be a non-empty string (it is part of every cache key)');
  const eos = new Set(tokenizer.eosTokenIds);
  const pieces = new TokenPieces(model, tokenizer);

  const generate = async (prepared: Prepared[]): Promise<ChatResponse[]> => {
    prepared.forEach((p, i) => {
      if (p.ids.length === 0) throw new ChatRequestError(`requests[${i}]: the prompt is empty (no tokens to start from)`, 'prompt');
      if (p.ids.length + p.maxTokens > model.maxPositions) {
        throw new ChatRequestError(`requests[${i}]: the prompt has ${p.ids.length} tokens; with maxTokens ${p.maxTokens} that is over the ${model.maxPositions} positions of model ${name}`, 'maxTokens');
      }
    });
    if (prepared.some((p) => p.stop.length > 0)) await pieces.ready();
    const out = new Array<ChatResponse>(prepared.length);
    for (const members of groupBySettings(prepared)) {
      const stops = members.map((i) => (prepared[i] as Prepared).stop);
      const first = prepared[members[0] as number] as Prepared;
      const watchers = stops.map((s) => (s.length === 0 ? undefined : new StopWatcher(s, pieces)));
      const generated = await model.generateBatch(members.map((i) => (prepared[i] as Prepared).ids), {
        maxNewTokens: first.maxTokens,
        temperature: first.temperature,
        topP: first.topP,
        seed: first.seed,
        ...(eos.size > 0 ? { stop: [...eos] } : {}),
        stopWhen: (tokens, sequence) => watchers[sequence]?.sawStop(tokens) ?? false,
      });
      await Promise.all(members.map(async (index, j) => {
        const tokens = generated[j] ?? [];
        const endedByEos = tokens.length > 0 && eos.has(tokens[tokens.length - 1] as number);
        let text = await tokenizer.decode(endedByEos ? tokens.slice(0, -1) : tokens, { skipSpecialTokens: true });
        // Early stopping is a fast approximation (per-token text); the cut itself is made on the real decoding.
        const at = firstStopIndex(text, stops[j] as string[]);
        if (at !== undefined) text = text.slice(0, at);
        const stopped = endedByEos || at !== undefined || tokens.length < first.maxTokens;
        out[index] = { text, finishReason: stopped ? 'stop' : 'length', usage: { promptTokens: (prepared[index] as Prepared).ids.length, completionTokens: tokens.length }, cached: false };
      }));
    }
    return out;
  };

  return {
    name,
    model,
    tokenizer,
    dispose: () => model.dispose(),
    async chat(requests: readonly ChatRequest[]) {
      const resolved = requests.map((r, i) => resolveChatRequest(r, i));
      const prepared = await Promise.all(resolved.map(async (r) => {
        const prompt = tokenizer.applyChatTemplate(r.messages.map(({ role, content }) => ({ role, content })), { addGenerationPrompt: true });
        // The template writes the special tokens itself (transformers' apply_chat_template(tokenize=True) adds none either).
        return { ...r, ids: await tokenizer.encode(prompt, { addSpecialTokens: false }) };
      }));
      return generate(prepared);
    },
    async complete(requests: readonly CompletionRequest[]) {
      const resolved = requests.map((r, i) => resolveCompletionRequest(r, i));
      // As vLLM's /v1/completions: the tokenizer's special tokens (e.g. Llama's BOS) are added to a raw prompt.
      const prepared = await Promise.all(resolved.map(async (r) => ({ ...r, ids: await tokenizer.encode(r.prompt, { addSpecialTokens: true }) })));
      return generate(prepared);
    },
  };
}

export interface LoadLocalChatModelOptions extends LoadCausalLMOptions {
  /** Default: the directory's name. */
  name?: string;
}

/**
 * Loads the model (`config.json`, `model.safetensors`) and tokenizer (`tokenizer.json`,
 * `tokenizer_config.json` with its chat template) of one Hugging Face model directory.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel } from '@s3lab/toolkit';
 * const reader = await loadLocalChatModel('test/fixtures/lm/tiny-chat');
 * const [answer] = await reader.chat([{ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 8 }]);
 * reader.dispose();
 * ```
 */
export async function loadLocalChatModel(dir: string, options: LoadLocalChatModelOptions = {}): Promise<LocalChatModel> {
  const tokenizer = await loadTokenizer(dir);
  const { name, ...loadOptions } = options;
  const model = await loadCausalLM(dir, loadOptions);
  return localChatModel({ model, tokenizer, name: name ?? basename(resolve(dir)) });
}

/** Indices of `prepared` grouped by the settings one `generateBatch` call shares, in first-seen order. */
function groupBySettings(prepared: readonly Prepared[]): number[][] {
  const groups = new Map<string, number[]>();
  prepared.forEach((p, i) => {
    const key = JSON.stringify([p.temperature, p.topP, p.maxTokens, p.seed]);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()];
}

/**
 * The text of every vocabulary token decoded alone, built once, on the first request with stop
 * strings. `stopWhen` is called synchronously between decoding steps, so it cannot await the
 * tokenizer; concatenating these pieces gives the generated text closely enough to notice a stop
 * string (multi-byte characters split across tokens come out as U+FFFD, which only delays a stop).
 */
class TokenPieces {
  private table: string[] | undefined;
  private building: Promise<void> | undefined;

  constructor(private readonly model: CausalLM, private readonly tokenizer: ChatTokenizer) {}

  ready(): Promise<void> {
    this.building ??= this.build();
    return this.building;
  }

  piece(id: number): string {
    return this.table?.[id] ?? '';
  }

  private async build(): Promise<void> {
    const ids = Array.from({ length: this.model.vocabSize }, (_, i) => [i]);
    const options = { skipSpecialTokens: true };
    const decodeOne = (id: number[]): Promise<string> => this.tokenizer.decode(id, options).catch(() => '');
    // The model's vocabulary may be padded past the tokenizer's; ids it does not know decode to ''.
    this.table = this.tokenizer.decodeBatch
      ? await this.tokenizer.decodeBatch(ids, options).catch(async () => Promise.all(ids.map(decodeOne)))
      : await Promise.all(ids.map(decodeOne));
  }
}

/** Follows one sequence's text as tokens arrive and says when one of its stop strings appears. */
class StopWatcher {
  private text = '';
  private seen = 0;
  private readonly longest: number;

  constructor(private readonly stops: readonly string[], private readonly pieces: TokenPieces) {
    this.longest = Math.max(...stops.map((s) => s.length));
  }

  sawStop(tokens: readonly number[]): boolean {
    const before = this.text.length;
    for (; this.seen < tokens.length; this.seen++) this.text += this.pieces.piece(tokens[this.seen] as number);
    // Only a stop that ends in the new text can be new: search from just before it.
    const from = Math.max(0, before - this.longest + 1);
    return this.stops.some((stop) => this.text.indexOf(stop, from) >= 0);
  }
}
