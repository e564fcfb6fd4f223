/**
 * Search-R1 (Jin et al. 2025, github.com/PeterGriffinJin/Search-R1): one model reasons in
 * `<think>`, searches with `<search>query</search>`, reads `<information>` and answers in
 * `<answer>`. As in the s3 comparison, its retrieved documents are handed to the frozen generator
 * ("Ret"; its own answer is kept in `answer`, the "end to end" score). Prompt prose is ours; tags, the response cut after the first
 * `</search>`/`</answer>` and the `<information>` observation follow the original. Simplified: no
 * token-length truncation of the rolling prompt; defaults top-k 3, 4 turns (Search-R1's settings).
 * The policy is a chat model (paper scale) or a lab Search-R1 model trained by `s3lab train --method search-r1`
 * (the registry's method: search-r1-method.ts).
 */
import { informationObservation, type RetrievedDoc } from '../doc-lines.js';
import type { PolicyOutput, TurnPolicy } from '../searcher/policy.js';
import type { Trajectory, Turn } from '../trajectory.js';
import { runTurns, type TurnProtocol } from '../turns.js';
import type { Retriever } from '../../retrieval/types.js';
import { cutAfterFirst, docsTrajectory, generatorDocs, turnRecord } from './common.js';

export function searchR1Prompt(question: string): string {
  return `Answer the question below. Reason inside <think> and </think> every time you receive new information. If you find that you are missing knowledge, call the search engine with <search> query </search>; its top results come back between <information> and </information>. You may search as often as you like. When no more outside knowledge is needed, give the answer inside <answer> and </answer> with no further explanation, for example <answer> Beijing </answer>. Question: ${question}\n`;
}

/** Search-R1's retrieval top-k and turn limit (its released settings). */
export const SEARCH_R1_SETTINGS = Object.freeze({ k: 3, maxTurns: 4 });

/** Where a Search-R1 response ends: the environment cuts after the first of these. */
export const SEARCH_R1_STOP_AFTER = ['</search>', '</answer>'] as const;

export const SEARCH_R1_FEEDBACK = '\nMy previous action was not valid. To search, I must put the query between <search> and </search>; to answer, I must put the answer between <answer> and </answer>. Let me try again.\n';

interface R1Run {
  id: number;
  question: string;
  prompt: string;
  continuation: string;
  turns: Turn[];
  docs: RetrievedDoc[];
  answer: string | null;
  done: boolean;
}

interface R1Parsed {
  out: PolicyOutput;
  /** The response cut after the first `</search>` or `</answer>`. */
  text: string;
  query: string | null;
  answer: string | null;
}

const NO_OUTPUT: PolicyOutput = { text: '', finishReason: 'none', tokens: 0, issues: [] };

/** Search-R1's turn: search when there is a query and no answer (not on the last turn), answer ends the run. */
function searchR1Protocol(policy: TurnPolicy, maxTurns: number): TurnProtocol<R1Run, PolicyOutput, R1Parsed> {
  return {
    generate: (active, turn) => policy.act(active, turn),
    parse: (_run, output) => {
      const out = output ?? NO_OUTPUT;
      const { text } = cutAfterFirst(out.text, SEARCH_R1_STOP_AFTER);
      const search = /<search>(.*?)<\/search>/s.exec(text);
      const answer = /<answer>(.*?)<\/answer>/s.exec(text);
      return { out, text, query: search ? (search[1] ?? '').trim() : null, answer: answer ? (answer[1] ?? '').trim() : null };
    },
    query: (p, turn) => (turn < maxTurns && p.answer === null && p.query !== null ? p.query : null),
    apply: (run, { parsed: p, searched, retrieved }, turn) => {
      const final = turn === maxTurns;
      const issues = [...p.out.issues];
      let observation = '';
      let action: Turn['action'] = 'invalid';
      if (p.answer !== null) { action = 'answer'; run.answer = p.answer; run.done = true; }
      else if (searched) { action = 'search'; observation = informationObservation(retrieved); run.docs.push(...retrieved); }
      else if (final) { run.done = true; issues.push({ turn, code: 'turn-limit', message: 'no answer within the turn limit' }); }
      else { observation = SEARCH_R1_FEEDBACK; issues.push({ turn, code: 'no-action', message: 'neither <search> nor <answer>' }); }
      run.turns.push(turnRecord({ output: p.out.text, response: p.text, observation, action, query: p.query, retrieved, finishReason: p.out.finishReason, tokens: p.out.tokens, issues }));
      run.continuation += p.text + observation;
    },
  };
}

export interface RunSearchR1Options {
  questions: readonly string[];
  retriever: Retriever;
  /** Writes the responses: `modelPolicy(chatModel)`, or an `LmSearcherPolicy` stopping after {@link SEARCH_R1_STOP_AFTER}. */
  policy: TurnPolicy;
  /** Documents per search (default 3). */
  k?: number;
  /** Searches at most (default 4); one more turn may answer. */
  maxTurns?: number;
  /** The prompt of a question (default {@link searchR1Prompt}; a lab model reads `labSearchR1Prompt`). */
  buildPrompt?: (question: string) => string;
  /** Method name in the trajectories (default `search-r1`). */
  method?: string;
  meta?: Record<string, unknown>;
}

/**
 * Runs a policy through Search-R1's loop for every question; turn t of all active questions is one
 * `policy.act` and one `retriever.search` call.
 *
 * @example
 * ```ts
 * const [t] = await runSearchR1({ questions: ['Who founded Cuga Records?'], retriever, policy: modelPolicy(model) });
 * console.log(t!.answer, t!.context);
 * ```
 */
export async function runSearchR1(options: RunSearchR1Options): Promise<Trajectory[]> {
  const k = options.k ?? SEARCH_R1_SETTINGS.k;
  const maxTurns = options.maxTurns ?? SEARCH_R1_SETTINGS.maxTurns;
  const buildPrompt = options.buildPrompt ?? searchR1Prompt;
  const method = options.method ?? 'search-r1';
  const runs: R1Run[] = options.questions.map((question, id) => ({ id, question, prompt: buildPrompt(question), continuation: '', turns: [], docs: [], answer: null, done: false }));
  await runTurns(runs, searchR1Protocol(options.policy, maxTurns), { turns: maxTurns + 1, retriever: options.retriever, k });
  return runs.map((run) => docsTrajectory({
    method, question: run.question, prompt: run.prompt, turns: run.turns,
    docs: generatorDocs(run.docs), answer: run.answer, meta: { k, maxTurns, policy: options.policy.name, ...options.meta },
  }));
}
