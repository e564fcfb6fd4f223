/**
 * Reading one searcher response the way the original environment does (`_postprocess_responses`
 * and `postprocess_predictions` in pat-jj/s3 `s3/llm_agent/generation_s3.py`), and recording every
 * problem instead of printing or throwing:
 * - a response containing `</query>` is cut right after it, and gets `<query>\n` prepended when it
 *   has no `<query>` (the environment's feedback re-opened the tag);
 * - any `<query>…</query>` is a search: the JSON's `query` string when the body is JSON with that
 *   key (a list gives its first item), otherwise the stripped body itself;
 * - `<search_complete>` (first one, stripped, any case) equal to true/yes/1/y ends the search and
 *   wins over a query in the same response;
 * - `<important_info>` ids are every decimal number in the tag within 1..maxSelectableId.
 */
import { stripLikePython } from '../../text/normalize.js';
import { resolvePreset } from '../presets.js';
import { selectedIds } from '../selected-docs.js';
import type { Issue } from '../trajectory.js';

const QUERY_CLOSE = '</query>';

/** Where an s3 response ends: the environment cuts after the first `</query>`. */
export const S3_STOP_AFTER = [QUERY_CLOSE] as const;

export type SearcherAction = 'search' | 'complete' | 'invalid';

export interface ParsedSearcherResponse {
  /** The response as it enters the transcript. */
  response: string;
  action: SearcherAction;
  /** The query to run (null unless action is `search`). */
  query: string | null;
  selectedIds: number[];
  searchComplete: boolean;
  issues: Issue[];
}

export interface ParseSearcherOptions {
  /** Ids outside 1..maxSelectableId are ignored (the original: 1..8). Default 8. */
  maxSelectableId?: number;
  /** Ids beyond this many are reported (the prompt's limit; the original does not enforce it). Default 3. */
  keptPerTurn?: number;
  /** Turn number recorded in the issues. */
  turn?: number;
}

const COMPLETE_WORDS = new Set(['true', 'yes', '1', 'y']);
const INCOMPLETE_WORDS = new Set(['false', 'no', '0', 'n']);
const TAGS = ['think', 'query', 'information', 'important_info', 'search_complete'] as const;

/**
 * Parses one searcher response; never throws.
 *
 * @example
 * ```ts
 * parseSearcherResponse('<important_info>[2]</important_info><search_complete>False</search_complete><query>{"query": "Cuga Records founder"}</query> trailing');
 * // { response: '…</query>', action: 'search', query: 'Cuga Records founder', selectedIds: [2], searchComplete: false, issues: [...] }
 * ```
 */
export function parseSearcherResponse(output: string, options: ParseSearcherOptions = {}): ParsedSearcherResponse {
  const maxId = options.maxSelectableId ?? 8;
  const kept = options.keptPerTurn ?? resolvePreset().keptPerTurn;
  const issues: Issue[] = [];
  const note = (code: string, message: string): void => {
    issues.push(options.turn === undefined ? { code, message } : { turn: options.turn, code, message });
  };

  let response = output;
  const close = response.indexOf(QUERY_CLOSE);
  if (close >= 0) {
    const rest = response.slice(close + QUERY_CLOSE.length);
    if (rest.trim() !== '') note('text-after-query', `${rest.length} characters after </query> were dropped`);
    response = response.slice(0, close + QUERY_CLOSE.length);
    if (!response.includes('<query>')) {
      response = `<query>\n${response}`;
      note('query-open-tag-added', '<query> was missing; "<query>\\n" was prepended');
    }
  }

  for (const tag of TAGS) {
    const opens = response.split(`<${tag}>`).length - 1;
    const closes = response.split(`</${tag}>`).length - 1;
    if (opens !== closes) note('unbalanced-tag', `<${tag}> opened ${opens} and closed ${closes} times`);
  }
  if (/<information>/.test(response)) note('information-written', 'the searcher wrote an <information> block itself');

  // Search completion: the first tag decides, as in the original.
  let searchComplete = false;
  const completeMatch = /<search_complete>(.*?)<\/search_complete>/s.exec(response);
  if (completeMatch) {
    const word = stripLikePython(completeMatch[1] ?? '').toLowerCase();
    searchComplete = COMPLETE_WORDS.has(word);
    if (!searchComplete && !INCOMPLETE_WORDS.has(word)) note('search-complete-unreadable', `<search_complete> holds ${JSON.stringify(word)}; read as False`);
  }

  // Query: JSON {"query": ...} or, failing that, the raw text between the tags.
  let query: string | null = null;
  const queryMatch = /<query>(.*?)<\/query>/s.exec(response);
  if (queryMatch) query = readQuery(stripLikePython(queryMatch[1] ?? ''), note);

  // Selection: every number of every <important_info>, in range, first occurrence first.
  const selections = [...response.matchAll(/<important_info>(.*?)<\/important_info>/gs)].map((m) => m[1] ?? '');
  if (selections.length > 1) note('several-selections', `${selections.length} <important_info> tags; each applies to its own information block`);
  const ids: number[] = [];
  for (const selection of selections) {
    // selectedIds drops 0 itself; report it like any other id out of range.
    if (/(?<!\p{Nd})0+(?!\p{Nd})/u.test(selection)) note('selection-out-of-range', `document 0 is outside 1..${maxId}; ignored`);
    for (const id of selectedIds(selection, Number.MAX_SAFE_INTEGER)) {
      if (id < 1 || id > maxId) note('selection-out-of-range', `document ${id} is outside 1..${maxId}; ignored`);
      else if (!ids.includes(id)) ids.push(id);
    }
    if (!/^\s*\[[\s\d,]*\]\s*$/.test(selection)) note('selection-not-a-list', `<important_info> holds ${JSON.stringify(selection.slice(0, 80))}, not a JSON list of ids`);
  }
  if (ids.length > kept) note('selection-over-limit', `${ids.length} documents selected; the prompt allows ${kept}`);

  let action: SearcherAction = 'invalid';
  if (searchComplete) action = 'complete';
  else if (query !== null) action = 'search';
  else note('no-action', 'neither a query nor <search_complete>True</search_complete>; the environment asks for a new query');
  if (action === 'search' && query === '') note('empty-query', 'the query is empty');

  return { response, action, query: action === 'search' ? query : null, selectedIds: ids, searchComplete, issues };
}

function readQuery(body: string, note: (code: string, message: string) => void): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    note('query-not-json', 'the query is not JSON; its raw text is searched');
    return body;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !('query' in json)) {
    note('query-without-key', 'the query JSON has no "query" key; its raw text is searched');
    return body;
  }
  const value = (json as { query: unknown }).query;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') {
    note('query-list', `"query" is a list of ${value.length}; its first item is searched`);
    return value[0];
  }
  note('query-not-string', '"query" is not a string; the raw text is searched');
  return body;
}
