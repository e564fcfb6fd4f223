/**
 * Search-R1 (Jin et al. 2025, github.com/PeterGriffinJin/Search-R1): one model reasons in
 * `<think>`, searches with `<search>query</search>`, reads `<information>` and answers in
 * `<answer>`. As in the s3 comparison, its retrieved documents are handed to the frozen generator
 * (its own answer is kept in `answer`). Prompt prose is ours; tags, the response cut after the first
 * `</search>`/`</answer>` and the `<information>` observation follow the original. Simplified: no
 * token-length truncation of the rolling prompt; defaults top-k 3, 4 turns (Search-R1's settings).
 */
import type { ChatModel } from '../../llm/types.js';
import { informationObservation, type RetrievedDoc } from '../doc-lines.js';
import { generateContinuations, type Generated, type GenerationSettings } from '../model-call.js';
import { requireChatSearcher, requireRetriever, type Method } from '../method.js';
import type { Turn } from '../trajectory.js';
import { runTurns, type TurnProtocol } from '../turns.js';
import { cutAfterFirst, docsTrajectory, generatorDocs, turnRecord } from './common.js';

export function searchR1Prompt(question: string): string {
  return `Answer the question below. Reason inside <think> and </think> every time you receive new information. If you find that you are missing knowledge, call the search engine with <search> query </search>; its top results come back between <information> and </information>. You may search as often as you like. When no more outside knowledge is needed, give the answer inside <answer> and </answer> with no further explanation, for example <answer> Beijing </answer>. Question: ${question}\n`;
}

/** Search-R1's retrieval top-k and turn limit (its released settings). */
const TOP_K = 3;
const MAX_TURNS = 4;

export const SEARCH_R1_FEEDBACK = '\nMy previous action was not valid. To search, I must put the query between <search> and </search>; to answer, I must put the answer between <answer> and </answer>. Let me try again.\n';

interface R1Run {
  question: string;
  prompt: string;
  continuation: string;
  turns: Turn[];
  docs: RetrievedDoc[];
  answer: string | null;
  done: boolean;
}

interface R1Parsed {
  out: Generated;
  /** The response cut after the first `</search>` or `</answer>`. */
  text: string;
  query: string | null;
  answer: string | null;
}

const NO_OUTPUT: Generated = { text: '', finishReason: 'none', tokens: 0, issues: [] };

/** Search-R1's turn: search when there is a query and no answer (not on the last turn), answer ends the run. */
function searchR1Protocol(model: ChatModel, settings: GenerationSettings, maxTurns: number): TurnProtocol<R1Run, Generated, R1Parsed> {
  return {
    generate: (active, turn) => generateContinuations(model, active, settings, turn),
    parse: (_run, output) => {
      const out = output ?? NO_OUTPUT;
      const { text } = cutAfterFirst(out.text, ['</search>', '</answer>']);
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

export const searchR1: Method = {
  name: 'search-r1',
  description: 'Search-R1-style agent (<search>, <information>, <answer>); its retrieved documents go to the generator',
  needs: { retriever: true, searcher: 'chat' },
  async run(questions, env) {
    const model = requireChatSearcher('search-r1', env);
    const retriever = requireRetriever('search-r1', env);
    const k = env.k ?? TOP_K;
    const maxTurns = MAX_TURNS;
    const runs: R1Run[] = questions.map((question) => ({ question, prompt: searchR1Prompt(question), continuation: '', turns: [], docs: [], answer: null, done: false }));
    await runTurns(runs, searchR1Protocol(model, env.sampling ?? {}, maxTurns), { turns: maxTurns + 1, retriever, k });
    return runs.map((run) => docsTrajectory({
      method: 'search-r1', question: run.question, prompt: run.prompt, turns: run.turns,
      docs: generatorDocs(run.docs), answer: run.answer, meta: { k, maxTurns, model: model.name },
    }));
  },
};
