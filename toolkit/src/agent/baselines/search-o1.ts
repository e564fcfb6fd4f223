/**
 * Search-o1 (Li et al. 2025, github.com/sunnynexus/Search-o1): a reasoning model issues searches
 * inside its reasoning as `<|begin_search_query|>…<|end_search_query|>`; each result list is
 * condensed by a separate "reason-in-documents" call and returned inside
 * `<|begin_search_result|>…<|end_search_result|>`. Here the condensed notes (title: the query) are
 * the generator's context. Simplified: our prompts, at most 3 searches, top-k 5, the notes taken
 * after "Final Information" when the model writes that heading, else its whole reply.
 */
import type { ChatModel } from '../../llm/types.js';
import { plainTitle } from '../doc-lines.js';
import { generateContinuations, type Generated, type GenerationSettings } from '../model-call.js';
import { requireChatSearcher, requireRetriever, type Method } from '../method.js';
import type { SelectedDoc } from '../selected-docs.js';
import type { Turn } from '../trajectory.js';
import { runTurns, type TurnProtocol } from '../turns.js';
import { cutAfterFirst, docsTrajectory, turnRecord } from './common.js';

export const BEGIN_SEARCH_QUERY = '<|begin_search_query|>';
export const END_SEARCH_QUERY = '<|end_search_query|>';
export const BEGIN_SEARCH_RESULT = '<|begin_search_result|>';
export const END_SEARCH_RESULT = '<|end_search_result|>';
const MAX_SEARCHES = 3;
/** Documents per search (Search-o1's top-k). */
const TOP_K = 5;

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

interface O1Run {
  question: string;
  prompt: string;
  continuation: string;
  turns: Turn[];
  notes: SelectedDoc[];
  answer: string | null;
  done: boolean;
}

interface O1Parsed {
  /** The reply cut after the first end-of-query tag. */
  text: string;
  query: string | null;
}

const NO_OUTPUT: Generated = { text: '', finishReason: 'none', tokens: 0, issues: [] };

/** Search-o1's turn: a search query is answered by the condensed notes of its documents; a reply without one ends the run. */
function searchO1Protocol(model: ChatModel, settings: GenerationSettings): TurnProtocol<O1Run, Generated, O1Parsed, Generated> {
  return {
    generate: (active, turn) => generateContinuations(model, active, settings, turn),
    parse: (_run, output, turn) => {
      const { text } = cutAfterFirst(output?.text ?? '', [END_SEARCH_QUERY]);
      const at = text.lastIndexOf(BEGIN_SEARCH_QUERY);
      const query = text.endsWith(END_SEARCH_QUERY) && at >= 0 ? text.slice(at + BEGIN_SEARCH_QUERY.length, -END_SEARCH_QUERY.length).trim() : null;
      return { text, query: turn < MAX_SEARCHES ? query : null };
    },
    query: (p) => (p.query ? p.query : null),
    // Reason-in-documents: one more batched generation condenses each search's documents.
    afterSearch: (searched, turn) => generateContinuations(model, searched.map(({ run, parsed, retrieved }) => {
      const pages = retrieved.map((d, i) => `**Web Page ${i + 1}:** ${plainTitle(d.title)}\n${d.text}`).join('\n\n');
      return { prompt: reasonInDocumentsPrompt(run.question, run.continuation + parsed.text, parsed.query ?? '', pages), continuation: '' };
    }), { ...settings, template: undefined }, turn, 256),
    apply: (run, { output, parsed: p, searched, retrieved, extra: condensed }, turn) => {
      const out = output ?? NO_OUTPUT;
      const issues = [...out.issues];
      let observation = '';
      let tokens = out.tokens;
      if (searched) {
        const c = condensed ?? NO_OUTPUT;
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
      run.turns.push(turnRecord({ output: out.text, response: p.text, observation, action: searched ? 'search' : 'answer', query: p.query, retrieved, finishReason: out.finishReason, tokens, issues }));
      run.continuation += p.text + observation;
    },
  };
}

export const searchO1: Method = {
  name: 'search-o1',
  description: 'Search-o1: searches inside reasoning, documents condensed by reason-in-documents',
  needs: { retriever: true, searcher: 'chat' },
  async run(questions, env) {
    const model = requireChatSearcher('search-o1', env);
    const retriever = requireRetriever('search-o1', env);
    const k = env.k ?? TOP_K;
    const runs: O1Run[] = questions.map((question) => ({ question, prompt: searchO1Prompt(question), continuation: '', turns: [], notes: [], answer: null, done: false }));
    await runTurns(runs, searchO1Protocol(model, env.sampling ?? {}), { turns: MAX_SEARCHES + 1, retriever, k });
    return runs.map((run) => docsTrajectory({ method: 'search-o1', question: run.question, prompt: run.prompt, turns: run.turns, docs: run.notes, answer: run.answer, meta: { k, maxSearches: MAX_SEARCHES, model: model.name } }));
  },
};
