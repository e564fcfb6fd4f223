/**
 * SFT demonstrations for the warm starts of the lab Search-R1 policy and the lab DeepRetrieval
 * rewriter: a script runs each method's own loop (`labPolicyLoop`, so the transcripts are exactly
 * what the trained model will see and write) and the transcripts are tokenised as the policy
 * records its runs. As for the s3 searcher, the script is varied per question so that RL has two
 * behaviours to compare:
 *
 * - Search-R1: search the question; then, drawn per question, answer at once or search once more
 *   for a name from the documents (the s3 script's follow-up query) and then answer. The answer is
 *   the first golden answer (teacher forcing: the demonstration teaches the format and to copy an
 *   answer out of the documents; RL on its own exact match teaches when that works).
 * - DeepRetrieval: the query is, drawn per question, the question as written or its content words
 *   (stop words and punctuation dropped).
 *
 * @example
 * ```ts
 * const { examples } = await methodDemonstrations({ method: 'search-r1', questions, retriever, tokenizer, seed: 1 });
 * await trainSft(lm, examples, { steps: 200, padId });
 * ```
 */
import { labPolicyLoop } from '../agent/lab-searcher/policy-loop.js';
import type { LabMethod } from '../agent/lab-searcher/lab-searcher.js';
import { followUpQuery } from '../agent/scripted/scripted-searcher.js';
import type { PolicyOutput, PolicyState, TurnPolicy } from '../agent/searcher/policy.js';
import type { Trajectory } from '../agent/trajectory.js';
import { Random } from '../core/random.js';
import type { TextTokenizer } from '../models/tokenizer/index.js';
import type { Retriever } from '../retrieval/types.js';
import type { SftExample } from '../rl/sft.js';
import { ENGLISH_STOP_WORDS } from '../text/analyzer.js';
import { chatTemplate, transcriptExample } from './demonstrations.js';

export interface MethodDemonstrationOptions {
  method: Exclude<LabMethod, 's3'>;
  questions: readonly { question: string; goldenAnswers: readonly string[] }[];
  retriever: Retriever;
  tokenizer: TextTokenizer;
  /** Documents per search (default: the method's lab default). */
  k?: number;
  /** Seed of the per-question draw. Default 0. */
  seed?: number;
}

export interface MethodDemonstrations {
  examples: SftExample[];
  trajectories: Trajectory[];
  /** The variant drawn for each question: Search-R1 `follow-up` or `answer`; DeepRetrieval `question` or `keywords`. */
  variants: string[];
}

/**
 * Runs the varied script of a method over the questions and tokenises its transcripts.
 *
 * @example
 * ```ts
 * const { examples, variants } = await methodDemonstrations({ method: 'deep-retrieval', questions, retriever, tokenizer });
 * ```
 */
export async function methodDemonstrations(options: MethodDemonstrationOptions): Promise<MethodDemonstrations> {
  const { method, questions, tokenizer } = options;
  const random = new Random(options.seed ?? 0, `${method}-script`);
  const variants = method === 'search-r1' ? ['answer', 'follow-up'] : ['question', 'keywords'];
  const drawn = questions.map(() => random.pick(variants));
  const loop = labPolicyLoop(method, { retriever: options.retriever, ...(options.k === undefined ? {} : { k: options.k }) });
  const policy = method === 'search-r1' ? searchR1Script(questions, drawn) : deepRetrievalScript(questions, drawn);
  const trajectories = await loop.run(questions.map((q) => q.question), policy, `scripted-${method}`);
  const template = chatTemplate(tokenizer);
  const examples = await Promise.all(trajectories.map((t) => transcriptExample(tokenizer, template, t, loop.stopAfter)));
  return { examples, trajectories, variants: drawn };
}

function scripted(name: string, write: (state: PolicyState, turn: number) => string): TurnPolicy {
  return {
    name,
    act: async (states, turn) => states.map((state): PolicyOutput => ({ text: write(state, turn), finishReason: 'stop', tokens: 0, issues: [] })),
  };
}

function searchR1Script(questions: MethodDemonstrationOptions['questions'], variants: readonly string[]): TurnPolicy {
  return scripted('scripted-search-r1', (state, turn) => {
    const { question, goldenAnswers } = questions[state.id] as MethodDemonstrationOptions['questions'][number];
    if (turn === 0) return `<search> ${question} </search>`;
    if (turn === 1 && variants[state.id] === 'follow-up') return `<search> ${followUpQuery(question, state.turns[0]?.retrieved ?? [], 1, 'names')} </search>`;
    return `<answer> ${goldenAnswers[0] ?? ''} </answer>`;
  });
}

function deepRetrievalScript(questions: MethodDemonstrationOptions['questions'], variants: readonly string[]): TurnPolicy {
  return scripted('scripted-deep-retrieval', (state) => {
    const { question } = questions[state.id] as MethodDemonstrationOptions['questions'][number];
    const query = variants[state.id] === 'keywords' ? contentWords(question) : question;
    return `<answer>${JSON.stringify({ query })}</answer>`;
  });
}

/** The question without stop words and punctuation (the names and the relation's words). */
export function contentWords(question: string): string {
  const words = question.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? [];
  const kept = words.filter((w) => !ENGLISH_STOP_WORDS.has(w.toLowerCase()) && !WH_WORDS.has(w.toLowerCase()));
  return kept.length > 0 ? kept.join(' ') : question;
}

const WH_WORDS = new Set(['who', 'what', 'when', 'where', 'which', 'whom', 'whose', 'why', 'how', 'did', 'does', 'do', 'was', 'were', 'is']);
