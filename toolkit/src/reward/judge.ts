/**
 * The LLM judge of GenAcc: asked whether any golden answer is contained in a response, it answers
 * yes or no (`check_if_response_is_correct_llm` in pat-jj/s3 `generator_llms/local_inst.py`: one
 * user message, temperature 0, top-p 1, at most 10 tokens). As there, "yes" anywhere in the
 * lowercased reply counts as yes — a substring test, so "Yes." and "yes, it is" count, and so
 * would "eyes"; anything else is no. The prompt's prose is s3lab's own.
 *
 * @example
 * ```ts
 * import { judgeResponses, loadLocalChatModel } from '@s3lab/toolkit';
 * const judge = await loadLocalChatModel('test/fixtures/lm/tiny-chat');
 * const [verdict] = await judgeResponses(judge, [{ response: 'It was founded in 1282.', goldenAnswers: ['1282'] }]);
 * console.log(verdict?.correct, verdict?.reply);
 * ```
 */
import type { ChatMessage, ChatModel, ChatRequest } from '../llm/types.js';

/** The sampling of every judge call, as the original. */
export const JUDGE_SAMPLING = Object.freeze({ temperature: 0, topP: 1, maxTokens: 10 });

/**
 * The judge's one user message. Golden answers are listed as a JSON array (the original prints
 * Python's list repr; the quoting differs, the meaning does not).
 *
 * @example
 * ```ts
 * judgeMessages('Paris, France', ['Paris'])[0]?.content.includes('["Paris"]'); // true
 * ```
 */
export function judgeMessages(response: string, goldenAnswers: readonly string[]): ChatMessage[] {
  const content = `Is any of the golden answers contained in the response below?\n\nResponse: ${response}\n\nGolden answers: ${JSON.stringify(goldenAnswers)}\n\nReply with 'yes' or 'no' only.`;
  return [{ role: 'user', content }];
}

/**
 * The judge's verdict in its reply: true when "yes" occurs anywhere in it, case-insensitively.
 *
 * @example
 * ```ts
 * parseJudgeReply('Yes.'); // true
 * parseJudgeReply('No, the response names London.'); // false
 * ```
 */
export function parseJudgeReply(reply: string): boolean {
  return reply.toLowerCase().includes('yes');
}

/** One response to judge. */
export interface JudgeItem {
  response: string;
  goldenAnswers: readonly string[];
}

export interface JudgeVerdict {
  correct: boolean;
  /** The judge's reply, kept so a verdict can be audited. */
  reply: string;
}

/** Judges a batch of responses in one `chat` call. */
export async function judgeResponses(judge: ChatModel, items: readonly JudgeItem[]): Promise<JudgeVerdict[]> {
  if (items.length === 0) return [];
  const requests: ChatRequest[] = items.map(({ response, goldenAnswers }) => ({ messages: judgeMessages(response, goldenAnswers), ...JUDGE_SAMPLING }));
  const replies = await judge.chat(requests);
  if (replies.length !== items.length) throw new Error(`judge ${judge.name} answered ${replies.length} of ${items.length} requests`);
  return replies.map(({ text }) => ({ correct: parseJudgeReply(text), reply: text }));
}
