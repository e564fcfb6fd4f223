/**
 * One batched generation over "prompt + continuation" pairs, the way every multi-turn method here
 * drives its model: with a chat template, a raw `complete` on the rendered prompt plus the
 * continuation (verl's rolling state); without one, `chat` with the prompt as the user message
 * and the continuation as a trailing assistant message. A failing batch is retried request by
 * request; a request that still fails comes back empty with a `model-error` issue.
 */
import { PAPER_SCALE } from '../config/index.js';
import type { ChatModel, ChatResponse } from '../llm/types.js';
import type { Issue } from './trajectory.js';

export interface GenerationSettings {
  template?: (userPrompt: string) => string;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
}

export interface Generated {
  text: string;
  finishReason: 'stop' | 'length' | 'none';
  tokens: number;
  issues: Issue[];
}

/**
 * Generates one continuation per item; never throws for a model failure.
 *
 * @example
 * ```ts
 * const [g] = await generateContinuations(model, [{ prompt: 'Question: …', continuation: '' }], { maxTokens: 64 }, 0);
 * ```
 */
export async function generateContinuations(
  model: ChatModel,
  items: readonly { prompt: string; continuation: string }[],
  settings: GenerationSettings,
  turn: number,
  defaultMaxTokens = PAPER_SCALE.searcherMaxTokens,
): Promise<Generated[]> {
  const sampling = { temperature: settings.temperature ?? 0, maxTokens: settings.maxTokens ?? defaultMaxTokens, seed: (settings.seed ?? 0) + turn };
  const call = async (batch: readonly { prompt: string; continuation: string }[]): Promise<ChatResponse[]> => {
    const { template } = settings;
    if (template) return model.complete(batch.map((s) => ({ prompt: template(s.prompt) + s.continuation, ...sampling })));
    return model.chat(batch.map((s) => ({
      messages: s.continuation === ''
        ? [{ role: 'user' as const, content: s.prompt }]
        : [{ role: 'user' as const, content: s.prompt }, { role: 'assistant' as const, content: s.continuation }],
      ...sampling,
    })));
  };
  const toGenerated = (r: ChatResponse): Generated => ({ text: r.text, finishReason: r.finishReason, tokens: r.usage.completionTokens, issues: [] });
  if (items.length === 0) return [];
  try {
    const responses = await call(items);
    if (responses.length !== items.length) throw new Error(`the backend returned ${responses.length} responses for ${items.length} requests`);
    return responses.map(toGenerated);
  } catch {
    return Promise.all(items.map(async (item) => {
      try {
        const [r] = await call([item]);
        if (!r) throw new Error('the backend returned no response');
        return toGenerated(r);
      } catch (error) {
        return { text: '', finishReason: 'none' as const, tokens: 0, issues: [{ turn, code: 'model-error', message: error instanceof Error ? error.message : String(error) }] };
      }
    }));
  }
}
