/**
 * The scripted searcher: s3's protocol with no model. It is the stand-in for a trained searcher
 * (and a reported baseline), and its transcripts are SFT demonstrations for one, so it writes
 * exactly what a good searcher would, in the prompt's layout:
 *
 *   turn 1: keep the top documents of the initial (naive-RAG) results, then search
 *           question + the names those documents mention that the question does not;
 *   turn k: keep the top new documents of the latest results; search again from them, or stop.
 *
 * Its responses go through the same parser and environment as a model's (runSearchLoop), so a
 * scripted trajectory has no issues, and `extractSelectedDocs` reads its context.
 */
import type { RetrievedDoc } from '../doc-lines.js';
import { runSearchLoop, type SearchLoopOptions } from '../searcher/loop.js';
import type { PolicyOutput, SearcherPolicy, SearcherState } from '../searcher/policy.js';
import type { Trajectory } from '../trajectory.js';
import { properNames } from './names.js';

export interface ScriptedSearcherOptions {
  /** Follow-up queries after the initial results (capped by the preset's turns). Default 1. */
  followUps?: number;
  /** Most names added to the question in a follow-up query. Default 2. */
  maxNames?: number;
  /** Documents kept per information block (at most the preset's keptPerTurn). Default: keptPerTurn. */
  keep?: number;
  /**
   * What a follow-up query holds: the question and the names (`question+names`, default: the
   * reported scripted baseline), or the names alone (`names`: a query a small model can write,
   * copying a name rather than the whole question, and one BM25 ranks the bridge passage first
   * for: on 60 lab bridge/paraphrase questions, 8-3-3, one name, GBR +31.7 against +23.3 with
   * the question).
   */
  query?: FollowUpQueryStyle;
}

export type FollowUpQueryStyle = 'question+names' | 'names';

/** `<query>` as the prompt's example lays it out. */
export function queryTag(query: string): string {
  return `<query>\n{\n    "query": ${JSON.stringify(query)}\n}\n</query>`;
}

function selectionTag(ids: readonly number[]): string {
  return `<important_info>\n[${ids.join(', ')}]\n</important_info>\n`;
}

function completeTag(complete: boolean): string {
  return `<search_complete>\n${complete ? 'True' : 'False'}\n</search_complete>\n`;
}

const STOP = new Set('what which who whom whose where when why how was were is are did does do the a an of in on at for to by from and or with that this its his her their known'.split(' '));

/** Content words of a text as 4-letter prefixes (a crude stemmer: "evoked" and "evokes" agree). */
function stems(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 3 && !STOP.has(w)).map((w) => w.slice(0, 4)));
}

/**
 * The follow-up query: the question plus up to `maxNames` names the kept documents mention and
 * the question does not, taken first from the sentences that share the most words with the
 * question (the sentence stating the asked relation names the bridge entity), then by rank.
 *
 * @example
 * ```ts
 * followUpQuery('Where did Grucart Kaizoth study?', [{ id: '1', title: '"Grucart Kaizoth"', text: 'He was born in Vinddale. He studied at University of Shefaimwick.', score: 1 }]);
 * // 'Where did Grucart Kaizoth study? University of Shefaimwick Vinddale'
 * ```
 */
export function followUpQuery(question: string, kept: readonly RetrievedDoc[], maxNames = 2, style: FollowUpQueryStyle = 'question+names'): string {
  // Only the question's lower-case words describe the relation; its names match every passage about them.
  const asked = stems((question.match(/(?<![\p{L}])\p{Ll}[\p{L}]*/gu) ?? []).join(' '));
  const sentences = kept.flatMap((doc, rank) => doc.text.split(/(?<=[.!?])\s+/).map((sentence, position) => {
    const overlap = [...stems(sentence)].filter((s) => asked.has(s)).length;
    return { sentence, overlap, rank, position };
  }));
  sentences.sort((a, b) => b.overlap - a.overlap || a.rank - b.rank || a.position - b.position);
  const names: string[] = [];
  for (const { sentence } of sentences) {
    for (const name of properNames(sentence, question)) if (!names.includes(name)) names.push(name);
    if (names.length >= maxNames) break;
  }
  const chosen = names.slice(0, maxNames);
  // With no name to add, the names-only query falls back to the question.
  return style === 'names' && chosen.length > 0 ? chosen.join(' ') : [question, ...chosen].join(' ');
}

/** The documents of the latest information block (the initial results before any search). */
function latestBlock(state: SearcherState): RetrievedDoc[] {
  const last = [...state.turns].reverse().find((t) => t.observation.startsWith('\n\n<information>'));
  return last ? last.retrieved : state.initialDocs;
}

/**
 * The scripted policy for {@link runSearchLoop}.
 *
 * @example
 * ```ts
 * const trajectories = await runSearchLoop({ questions, retriever, policy: scriptedPolicy(), method: 'scripted' });
 * ```
 */
export function scriptedPolicy(options: ScriptedSearcherOptions = {}): SearcherPolicy {
  const maxNames = options.maxNames ?? 2;
  return {
    name: 'scripted',
    async act(states: readonly SearcherState[]): Promise<PolicyOutput[]> {
      return states.map((state) => {
        const followUps = Math.min(options.followUps ?? 1, state.preset.maxTurns);
        // Documents already kept, by corpus id: each turn's selection names ids of the block before it.
        const keptIds = new Set<string | undefined>();
        let previous = state.initialDocs;
        for (const turn of state.turns) {
          for (const id of turn.selectedIds) keptIds.add(previous[id - 1]?.id);
          if (turn.observation.startsWith('\n\n<information>')) previous = turn.retrieved;
        }
        const block = latestBlock(state);
        const fresh = block.map((doc, i) => ({ doc, id: i + 1 })).filter(({ doc }) => !keptIds.has(doc.id));
        const keep = fresh.slice(0, Math.min(options.keep ?? state.preset.keptPerTurn, state.preset.keptPerTurn));
        const searchesDone = state.turns.filter((t) => t.action === 'search').length;
        const searchAgain = !state.final && searchesDone < followUps && keep.length > 0;
        let text = keep.length ? selectionTag(keep.map((k) => k.id)) : '';
        if (searchAgain) text += completeTag(false) + queryTag(followUpQuery(state.question, keep.map((k) => k.doc), maxNames, options.query));
        else text += completeTag(true).trimEnd();
        return { text, finishReason: 'none', tokens: 0, issues: [] };
      });
    },
  };
}

/**
 * Runs the scripted searcher over questions (same options as the model searcher, minus the model).
 *
 * @example
 * ```ts
 * const [t] = await runScriptedSearcher({ questions: ['What is the school where Grucart Kaizoth studied known for?'], retriever });
 * console.log(t!.context);
 * ```
 */
export function runScriptedSearcher(options: SearchLoopOptions & ScriptedSearcherOptions): Promise<Trajectory[]> {
  const { followUps, maxNames, keep, query, ...loop } = options;
  return runSearchLoop({ method: 'scripted', ...loop, policy: scriptedPolicy({ followUps, maxNames, keep, query }), meta: { followUps: followUps ?? 1, maxNames: maxNames ?? 2, ...(keep === undefined ? {} : { keep }), ...(query === undefined ? {} : { query }) } });
}
