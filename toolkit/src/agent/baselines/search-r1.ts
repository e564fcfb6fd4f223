/**
 * Search-R1 (Jin et al. 2025, github.com/PeterGriffinJin/Search-R1): one model reasons in
 * `<think>`, searches with `<search>query</search>`, reads `<information>` and answers in
 * `<answer>`. As in the s3 comparison, its retrieved documents are handed to the frozen generator
 * (its own answer is kept in `answer`). Prompt prose is ours; tags, the response cut after the first
 * `</search>`/`</answer>` and the `<information>` observation follow the original. Simplified: no
 * token-length truncation of the rolling prompt; defaults top-k 3, 4 turns (Search-R1's settings).
 */
import { informationObservation, toRetrievedDoc, type RetrievedDoc } from '../doc-lines.js';
import { generateContinuations } from '../model-call.js';
import { requireModel, type ContextMethod } from '../method.js';
import type { Turn } from '../trajectory.js';
import { cutAfterFirst, docsTrajectory, generatorDocs, turnRecord } from './common.js';

export function searchR1Prompt(question: string): string {
  return `Answer the question below. Reason inside <think> and </think> every time you receive new information. If you find that you are missing knowledge, call the search engine with <search> query </search>; its top results come back between <information> and </information>. You may search as often as you like. When no more outside knowledge is needed, give the answer inside <answer> and </answer> with no further explanation, for example <answer> Beijing </answer>. Question: ${question}\n`;
}

export const SEARCH_R1_FEEDBACK = '\nMy previous action was not valid. To search, I must put the query between <search> and </search>; to answer, I must put the answer between <answer> and </answer>. Let me try again.\n';

export const searchR1: ContextMethod = {
  name: 'search-r1',
  description: 'Search-R1-style agent (<search>, <information>, <answer>); its retrieved documents go to the generator',
  needsModel: true,
  async run(questions, options) {
    const model = requireModel('search-r1', options);
    const k = options.k ?? 3;
    const maxTurns = 4;
    const runs = questions.map((question) => ({ question, prompt: searchR1Prompt(question), continuation: '', turns: [] as Turn[], docs: [] as RetrievedDoc[], answer: null as string | null, done: false }));
    for (let turn = 0; turn <= maxTurns; turn++) {
      const active = runs.filter((r) => !r.done);
      if (active.length === 0) break;
      const final = turn === maxTurns;
      const outs = await generateContinuations(model, active, options, turn);
      const parsed = active.map((_, j) => {
        const out = outs[j] ?? { text: '', finishReason: 'none' as const, tokens: 0, issues: [] };
        const { text } = cutAfterFirst(out.text, ['</search>', '</answer>']);
        const search = /<search>(.*?)<\/search>/s.exec(text);
        const answer = /<answer>(.*?)<\/answer>/s.exec(text);
        return { out, text, query: search ? (search[1] ?? '').trim() : null, answer: answer ? (answer[1] ?? '').trim() : null };
      });
      const searching = final ? [] : parsed.flatMap((p, j) => (p.answer === null && p.query !== null ? [j] : []));
      const hits = searching.length ? await options.retriever.search(searching.map((j) => parsed[j]?.query ?? ''), k) : [];
      active.forEach((run, j) => {
        const p = parsed[j] as (typeof parsed)[number];
        const issues = [...p.out.issues];
        const n = searching.indexOf(j);
        const retrieved = n >= 0 ? (hits[n] ?? []).map(toRetrievedDoc) : [];
        let observation = '';
        let action: Turn['action'] = 'invalid';
        if (p.answer !== null) { action = 'answer'; run.answer = p.answer; run.done = true; }
        else if (n >= 0) { action = 'search'; observation = informationObservation(retrieved); run.docs.push(...retrieved); }
        else if (final) { run.done = true; issues.push({ turn, code: 'turn-limit', message: 'no answer within the turn limit' }); }
        else { observation = SEARCH_R1_FEEDBACK; issues.push({ turn, code: 'no-action', message: 'neither <search> nor <answer>' }); }
        run.turns.push(turnRecord({ output: p.out.text, response: p.text, observation, action, query: p.query, retrieved, finishReason: p.out.finishReason, tokens: p.out.tokens, issues }));
        run.continuation += p.text + observation;
      });
    }
    return runs.map((run) => docsTrajectory({
      method: 'search-r1', question: run.question, prompt: run.prompt, turns: run.turns,
      docs: generatorDocs(run.docs), answer: run.answer, meta: { k, maxTurns, model: model.name },
    }));
  },
};
