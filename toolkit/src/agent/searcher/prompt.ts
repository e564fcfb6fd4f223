/**
 * The s3 searcher prompt. The prose is ours; it conveys the instructions of the original
 * (`make_prefix` in pat-jj/s3 `scripts/data_process/*_s3*.py`): the searcher is a search copilot
 * for a separate generator, it loops `<query>` → `<information>` → `<important_info>` →
 * `<search_complete>`, writes queries as JSON, and only the documents it marks important reach
 * the generator. The tags, the JSON key and the start-marker sentence are the original's, byte for
 * byte: the reward code splits the text on that sentence.
 */
import { stripLikePython } from '../../text/normalize.js';
import { resolvePreset } from '../presets.js';
import { SEARCHER_START_MARKER } from '../selected-docs.js';

export interface SearcherPromptOptions {
  question: string;
  /** The initial naive-RAG results as Doc lines (see `formatDocLines`). */
  initialResults: string;
  /** Documents the searcher may keep per information block (the preset's third number). */
  keptPerTurn?: number;
  /** `bm25` adds the request for Boolean queries (AND, OR, parentheses). */
  retriever?: 'dense' | 'bm25';
}

/**
 * The searcher's prompt, ending with the question and the initial results after the start marker.
 *
 * @example
 * ```ts
 * const prompt = buildSearcherPrompt({ question: 'Who founded Cuga Records?', initialResults: 'Doc 1 (Title: "Cuga Records") …\n' });
 * prompt.split(SEARCHER_START_MARKER)[1]; // '\n<question>\nWho founded Cuga Records?\n</question>\n<information>\nDoc 1 …\n</information>\n'
 * ```
 */
export function buildSearcherPrompt(options: SearcherPromptOptions): string {
  const kept = options.keptPerTurn ?? resolvePreset().keptPerTurn;
  let prompt = `You are a search copilot working for a separate answer-generation model. You are given a user's question and the results of an initial search. First decide whether those results already let the generation model answer.
If they do, write <search_complete>True</search_complete> to say that enough information has been gathered.
If they do not, help the generation model by searching in a loop of <query> -> <information> -> <important_info> -> <search_complete> -> <query> (while not complete) ..., gathering more relevant information.
Write each search query between <query> and </query>, in JSON format.
For each query we return the top search results between <information> and </information>. Put the ids of the important documents (at most ${kept} documents, taken from the latest information block only) between <important_info> and </important_info> (for example, <important_info>[1, 4]</important_info>).
While the search is not complete, every search query MUST be followed by a <search_complete> tag.
After reading the results, decide whether to search again with a new query or to stop. Write <search_complete>False</search_complete> to continue with a better query, or <search_complete>True</search_complete> to end the search.
You may reason inside <think></think> at any point. Note: only the important documents are given to the generation model to produce the answer.
`;
  if (options.retriever === 'bm25') prompt += 'Note: write search queries with the Boolean operators AND and OR, grouping terms with parentheses where needed.';
  prompt += `
For a question and initial search results:
<question>
[user's question]
</question>
<information>
[initial search results]
</information>

If the initial search results are enough to produce an answer, output:
<search_complete>
True
</search_complete>

If the initial search results are not enough to produce an answer, output:
<query>
{
    "query": "[search query]"
} 
</query>
<information>
[top search results for the query above]
</information>
<important_info>
[doc ids]
</important_info>
<search_complete>
False
</search_complete>
<query>
{
    "query": "[search query]"
}
</query>
...... (as many turns as needed, until <search_complete> is True)

<search_complete>
True
</search_complete>

${SEARCHER_START_MARKER}
`;
  prompt += `
<question>
${options.question}
</question>
<information>
${stripLikePython(options.initialResults)}
</information>
`;
  return prompt;
}
