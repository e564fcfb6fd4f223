/**
 * A `ChatModel` over a causal LM running in this process (ONNX Runtime for Llama/Qwen2 on the
 * CPU, tfjs otherwise: `loadInferenceLM`): the tokenizer's chat template
 * renders the messages, the model generates for a whole batch at once, and string stop sequences
 * end a sequence early through `stopWhen`. Requests that share their sampling settings (temperature,
 * top-p, max tokens, seed) are one `generateBatch` call; stop strings may differ inside a batch.
 */
import { basename, resolve } from 'node:path';
import { loadInferenceLM, type LoadInferenceLMOptions } from '../models/lm/index.js';
import type { CausalLM } from '../models/lm/types.js';
import { loadTokenizer, type TextTokenizer } from '../models/index.js';
import { requireModelDirectory } from '../models/model-files.js';
import { ChatRequestError, firstStopIndex, resolveChatRequest, resolveCompletionRequest, type ResolvedSampling } from './sampling.js';
import type { ChatModel, ChatRequest, ChatResponse, CompletionRequest } from './types.js';

/** What the local backend needs of a tokenizer (a `TextTokenizer` from `loadTokenizer` has it all). */
export type ChatTokenizer = Pick<TextTokenizer, 'encode' | 'decode' | 'eosTokenIds' | 'applyChatTemplate'>;

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

  const generate = async (prepared: Prepared[]): Promise<ChatResponse[]> => {
    prepared.forEach((p, i) => {
      if (p.ids.length === 0) throw new ChatRequestError(`requests[${i}]: the prompt is empty (no tokens to start from)`, 'prompt');
      if (p.ids.length + p.maxTokens > model.maxPositions) {
        throw new ChatRequestError(`requests[${i}]: the prompt has ${p.ids.length} tokens; with maxTokens ${p.maxTokens} that is over the ${model.maxPositions} positions of model ${name}`, 'maxTokens');
      }
    });
    const out = new Array<ChatResponse>(prepared.length);
    for (const members of groupBySettings(prepared)) {
      const stops = members.map((i) => (prepared[i] as Prepared).stop);
      const first = prepared[members[0] as number] as Prepared;
      const generated = await model.generateBatch(members.map((i) => (prepared[i] as Prepared).ids), {
        maxNewTokens: first.maxTokens,
        temperature: first.temperature,
        topP: first.topP,
        seed: first.seed,
        ...(eos.size > 0 ? { stop: [...eos] } : {}),
        // The real decoding of the tokens so far: exact for stops that span tokens or bytes.
        stopWhen: async (tokens, sequence) => {
          const wanted = stops[sequence] as string[];
          if (wanted.length === 0) return false;
          return firstStopIndex(await tokenizer.decode([...tokens], { skipSpecialTokens: true }), wanted) !== undefined;
        },
      });
      await Promise.all(members.map(async (index, j) => {
        const tokens = generated[j] ?? [];
        const endedByEos = tokens.length > 0 && eos.has(tokens[tokens.length - 1] as number);
        let text = await tokenizer.decode(endedByEos ? tokens.slice(0, -1) : tokens, { skipSpecialTokens: true });
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

/** What a local chat model's directory holds (the Hugging Face layout). */
export const LOCAL_CHAT_MODEL_FILES = 'config.json, model.safetensors, tokenizer.json and tokenizer_config.json';

export interface LoadLocalChatModelOptions extends LoadInferenceLMOptions {
  /** Default: the directory's name. */
  name?: string;
}

/**
 * Loads the model (`config.json`, `model.safetensors`) and tokenizer (`tokenizer.json`,
 * `tokenizer_config.json` with its chat template) of one Hugging Face model directory. The model
 * runs where `loadInferenceLM` puts it (Llama/Qwen2 on ONNX Runtime on the CPU); `threads` bounds
 * ONNX Runtime's threads when several models share the cores.
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
  await requireModelDirectory(dir, LOCAL_CHAT_MODEL_FILES);
  const tokenizer = await loadTokenizer(dir);
  const { name, ...loadOptions } = options;
  const model = await loadInferenceLM(dir, loadOptions);
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

