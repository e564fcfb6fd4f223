/**
 * The frozen generator's prompt and the answer taken from its reply. The original
 * (`generate_answer` / `generate_answer_zero_shot` in pat-jj/s3 `generator_llms/local_inst.py`)
 * sends a chat completion at temperature 0 and top-p 1: with context, one system message that
 * presents the contexts (some may be irrelevant) and demands a bare answer, then the question as
 * the user message; zero-shot, only the bare-answer demand as the system message. The prose below
 * is s3lab's own, conveying the same instructions.
 *
 * @example
 * ```ts
 * import { generateAnswers, loadLocalChatModel } from '@s3lab/toolkit';
 * const generator = await loadLocalChatModel('test/fixtures/lm/tiny-chat');
 * const [reply] = await generateAnswers(generator, [{ question: 'In what year was Dusstad founded?', context: 'Doc 1 (Title: Dusstad)\nDusstad was founded in 1282.\n\n' }], { maxTokens: 16 });
 * console.log(reply?.answer);
 * ```
 */
import type { ChatMessage, ChatModel, ChatRequest } from '../llm/types.js';
import { stripLikePython } from '../text/normalize.js';

/** The sampling of every generator call: greedy, as the original. */
export const GENERATOR_SAMPLING = Object.freeze({ temperature: 0, topP: 1 });

const DIRECT_ANSWER = 'Important: reply with the answer alone. Write no explanation, no reasoning and no other text.';

/**
 * The system message with contexts. Contexts come first, then the instruction, as in the original
 * (so a long context never pushes the instruction out of a model's attention sink).
 */
function contextSystemMessage(context: string): string {
  return `Answer using the contexts below where they help (some of them may be irrelevant):\nContexts:\n${context}\n\n${DIRECT_ANSWER}`;
}

/**
 * The chat messages of one generator call. `context === undefined` is the zero-shot prompt (no
 * retrieval); an empty string is a context prompt with no documents, which is what the original
 * sends when a searcher selected nothing.
 *
 * @example
 * ```ts
 * generatorMessages('Who founded Cuga Records?'); // [{ role: 'system', content: 'Important: …' }, { role: 'user', content: 'Who founded Cuga Records?' }]
 * ```
 */
export function generatorMessages(question: string, context?: string): ChatMessage[] {
  const system = context === undefined ? DIRECT_ANSWER : contextSystemMessage(context);
  return [
    { role: 'system', content: system },
    { role: 'user', content: question },
  ];
}

// Labels a model may put before its answer although told not to ("Answer: Paris", "**Final answer:** Paris").
const ANSWER_LABEL = /^(?:\*\*)?\s*(?:the\s+)?(?:final\s+|short\s+)?answer(?:\s+is)?\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*/iu;
const ANSWER_TAG = /<answer>([\s\S]*?)<\/answer>/iu;
const THINK_BLOCK = /<think>[\s\S]*?<\/think>/giu;

/**
 * The answer in a generator reply: whitespace stripped (the original keeps `content.strip()`),
 * then, beyond the original, a `<think>…</think>` block dropped, the inside of an
 * `<answer>…</answer>` tag taken, and a leading "Answer:" / "Final answer:" label removed. The
 * extra steps only remove text a bare answer does not have, so an obedient generator's answer is
 * unchanged.
 *
 * @example
 * ```ts
 * extractAnswer('  Answer: 1282\n'); // '1282'
 * extractAnswer('<think>hmm</think> <answer>Paris</answer>'); // 'Paris'
 * ```
 */
export function extractAnswer(reply: string): string {
  let text = stripLikePython(reply.replace(THINK_BLOCK, ' '));
  const tagged = ANSWER_TAG.exec(text);
  if (tagged) text = stripLikePython(tagged[1] ?? '');
  return stripLikePython(text.replace(ANSWER_LABEL, ''));
}

/** One question for the generator; no `context` means zero-shot. */
export interface GeneratorInput {
  question: string;
  context?: string;
}

/** Options of {@link generateAnswers}. */
export interface GenerateAnswersOptions {
  /** Most tokens per answer; the backend's default (512) when omitted (the original sets none). */
  maxTokens?: number;
}

/** One generator reply. */
export interface GeneratedAnswer {
  /** The answer scored ({@link extractAnswer} of `reply`). */
  answer: string;
  /** The reply as the model wrote it. */
  reply: string;
  promptTokens: number;
  completionTokens: number;
}

/**
 * Asks the generator for the answers to a batch of questions in one `chat` call (the backend
 * batches or parallelises them).
 */
export async function generateAnswers(generator: ChatModel, inputs: readonly GeneratorInput[], options: GenerateAnswersOptions = {}): Promise<GeneratedAnswer[]> {
  if (inputs.length === 0) return [];
  const requests: ChatRequest[] = inputs.map(({ question, context }) => ({
    messages: generatorMessages(question, context),
    ...GENERATOR_SAMPLING,
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
  }));
  const responses = await generator.chat(requests);
  if (responses.length !== inputs.length) throw new Error(`generator ${generator.name} answered ${responses.length} of ${inputs.length} requests`);
  return responses.map((response) => ({
    answer: extractAnswer(response.text),
    reply: response.text,
    promptTokens: response.usage.promptTokens,
    completionTokens: response.usage.completionTokens,
  }));
}
