/**
 * Search-o1 (Li et al. 2025, github.com/sunnynexus/Search-o1): a reasoning model issues searches
 * inside its reasoning as `<|begin_search_query|>…<|end_search_query|>`; each result list is
 * condensed by a separate "reason-in-documents" call and returned inside
 * `<|begin_search_result|>…<|end_search_result|>`. Here the condensed notes (title: the query) are
 * the generator's context. Simplified: our prompts, at most 3 searches, top-k 5, the notes taken
 * after "Final Information" when the model writes that heading, else its whole reply.
 */
import { plainTitle, toRetrievedDoc } from '../doc-lines.js';
import { generateContinuations } from '../model-call.js';
import { requireModel, type ContextMethod } from '../method.js';
import type { SelectedDoc } from '../selected-docs.js';
import type { Turn } from '../trajectory.js';
import { cutAfterFirst, docsTrajectory, turnRecord } from './common.js';

export const BEGIN_SEARCH_QUERY = '<|begin_search_query|>';
export const END_SEARCH_QUERY = '<|end_search_query|>';
export const BEGIN_SEARCH_RESULT = '<|begin_search_result|>';
export const END_SEARCH_RESULT = '<|end_search_result|>';
const MAX_SEARCHES = 3;

export function searchO1Prompt(question: string): string {
  return `You are a reasoning assistant that can search. To search, write ${BEGIN_SEARCH_QUERY} your query ${END_SEARCH_QUERY}; the system then returns the useful information as ${BEGIN_SEARCH_RESULT} … ${END_SEARCH_RESULT}. You may search up to ${MAX_SEARCHES} times. Once you have enough information, give the final answer as \\boxed{answer}.\n\nQuestion: ${question}\n`;
}

export function reasonInDocumentsPrompt(question: string, reasoning: string, query: string, docs: string): string {
  return `Read the web pages below for the current search query and extract what helps answer the question, given the reasoning so far. Write your result after the heading "**Final Information**"; if nothing helps, write "No helpful information found."\n\nReasoning so far:\n${reasoning}\n\nCurrent search query: ${query}\n\nSearched web pages:\n${docs}\n\nQuestion: ${question}\n`;
}

export function condensedNotes(text: string): string {
  const at = text.indexOf('Final Information');
  return (at >= 0 ? text.slice(at + 'Final Information'.length) : text).replace(/^[\s*:]+/, '').trim();
}

export const searchO1: ContextMethod = {
  name: 'search-o1',
  description: 'Search-o1: searches inside reasoning, documents condensed by reason-in-documents',
  needsModel: true,
  async run(questions, options) {
    const model = requireModel('search-o1', options);
    const k = options.k ?? 5;
    const runs = questions.map((question) => ({ question, prompt: searchO1Prompt(question), continuation: '', turns: [] as Turn[], notes: [] as SelectedDoc[], answer: null as string | null, done: false }));
    for (let turn = 0; turn <= MAX_SEARCHES; turn++) {
      const active = runs.filter((r) => !r.done);
      if (active.length === 0) break;
      const outs = await generateContinuations(model, active, options, turn);
      const parsed = active.map((_, j) => {
        const { text } = cutAfterFirst(outs[j]?.text ?? '', [END_SEARCH_QUERY]);
        const at = text.lastIndexOf(BEGIN_SEARCH_QUERY);
        const query = text.endsWith(END_SEARCH_QUERY) && at >= 0 ? text.slice(at + BEGIN_SEARCH_QUERY.length, -END_SEARCH_QUERY.length).trim() : null;
        return { text, query: turn < MAX_SEARCHES ? query : null };
      });
      const searching = parsed.flatMap((p, j) => (p.query ? [j] : []));
      const hits = searching.length ? await options.retriever.search(searching.map((j) => parsed[j]?.query ?? ''), k) : [];
      const retrievedOf = searching.map((_, n) => (hits[n] ?? []).map(toRetrievedDoc));
      const condensed = await generateContinuations(model, searching.map((j, n) => {
        const run = active[j] as (typeof active)[number];
        const pages = (retrievedOf[n] ?? []).map((d, i) => `**Web Page ${i + 1}:** ${plainTitle(d.title)}\n${d.text}`).join('\n\n');
        return { prompt: reasonInDocumentsPrompt(run.question, run.continuation + (parsed[j]?.text ?? ''), parsed[j]?.query ?? '', pages), continuation: '' };
      }), { ...options, template: undefined }, turn, 256);
      active.forEach((run, j) => {
        const out = outs[j] ?? { text: '', finishReason: 'none' as const, tokens: 0, issues: [] };
        const p = parsed[j] as (typeof parsed)[number];
        const n = searching.indexOf(j);
        const issues = [...out.issues];
        let observation = '';
        let tokens = out.tokens;
        if (n >= 0) {
          const c = condensed[n] as (typeof condensed)[number];
          const notes = condensedNotes(c.text);
          tokens += c.tokens;
          issues.push(...c.issues);
          observation = `\n\n${BEGIN_SEARCH_RESULT}${notes}${END_SEARCH_RESULT}\n\n`;
          if (notes !== '' && !/no helpful information/i.test(notes)) run.notes.push({ title: p.query ?? '', text: notes });
        } else {
          run.done = true;
          run.answer = /\\boxed\{(.*)\}/s.exec(p.text)?.[1]?.trim() ?? null;
          if (run.answer === null) issues.push({ turn, code: 'no-answer', message: 'neither a search nor \\boxed{} answer' });
        }
        run.turns.push(turnRecord({ output: out.text, response: p.text, observation, action: n >= 0 ? 'search' : 'answer', query: p.query, retrieved: n >= 0 ? (retrievedOf[n] ?? []) : [], finishReason: out.finishReason, tokens, issues }));
        run.continuation += p.text + observation;
      });
    }
    return runs.map((run) => docsTrajectory({ method: 'search-o1', question: run.question, prompt: run.prompt, turns: run.turns, docs: run.notes, answer: run.answer, meta: { k, maxSearches: MAX_SEARCHES, model: model.name } }));
  },
};
