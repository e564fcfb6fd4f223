/**
 * The s3 search loop (the original `run_llm_loop`), batched over questions:
 *
 *   prompt  = instructions + question + naive-RAG top results          (once)
 *   for turn in 1..maxTurns:                                            (all active questions together)
 *     response = policy(prompt + transcript so far)
 *     complete → stop · query → append <information>top-k</information> · neither → append feedback
 *   one last response for those still active (its query is not run)
 *   context = extractSelectedDocs(transcript after the start marker)
 */
import { PAPER_SCALE } from '../../config/index.js';
import type { ChatModel } from '../../llm/types.js';
import type { Retriever } from '../../retrieval/types.js';
import { formatDocLines, informationObservation, toRetrievedDoc } from '../doc-lines.js';
import { resolvePreset, type SearcherPreset } from '../presets.js';
import { extractSelectedDocs, formatGeneratorContext, transcriptAfterStartMarker } from '../selected-docs.js';
import type { Trajectory, Turn } from '../trajectory.js';
import { runTurns, type TurnProtocol } from '../turns.js';
import { INVALID_ACTION_FEEDBACK } from './environment.js';
import { parseSearcherResponse, type ParsedSearcherResponse } from './parse.js';
import { modelPolicy, type ModelPolicyOptions, type PolicyOutput, type SearcherPolicy, type SearcherState } from './policy.js';
import { buildSearcherPrompt, type SearcherPromptOptions } from './prompt.js';

export interface SearchLoopOptions {
  questions: readonly string[];
  retriever: Retriever;
  /** `d-t-k` name or object. Default 8-3-3. */
  preset?: string | SearcherPreset;
  /** `bm25` asks for Boolean queries in the prompt. Default `dense`. */
  retrieverKind?: 'dense' | 'bm25';
  /**
   * Naive-RAG documents in the prompt (the original keeps the first 5 of its top-12). Default 5;
   * 0 begins without any (the paper's ablation without "begin with search"): the prompt's
   * information block is empty and the first documents come from the searcher's own query.
   */
  initialDocs?: number;
  /**
   * `false`: the generator gets every retrieved document, whatever the searcher selects (the
   * paper's ablation without selection). Default `true`.
   */
  selection?: boolean;
  /** Largest id `<important_info>` may name. Default: the preset's docsPerTurn (the original hard-codes 8). */
  maxSelectableId?: number;
  /** Method name recorded in the trajectories. */
  method?: string;
  /** Builds the prompt (default {@link buildSearcherPrompt}); for prompt ablations and small-context models. It must keep the start marker. */
  buildPrompt?: (options: SearcherPromptOptions) => string;
  /** Called after each turn with the turns done and the most there can be (the preset's turns + 1; the loop ends early once every question has). */
  onProgress?: (done: number, turns: number) => void;
}

export interface RunSearcherOptions extends SearchLoopOptions, ModelPolicyOptions {
  model: ChatModel;
}

interface Running {
  state: SearcherState;
  turns: Turn[];
  done: boolean;
}

interface ParsedTurn {
  out: PolicyOutput;
  parse: ParsedSearcherResponse;
}

/**
 * The s3 environment as a turn protocol: the policy writes, the parser reads, a query is answered
 * with `<information>`, a response with neither query nor completion gets the feedback; the last
 * turn (after `maxTurns` searches) only records, its query is not run.
 */
function s3Protocol(policy: SearcherPolicy, preset: SearcherPreset, maxSelectableId: number): TurnProtocol<Running, PolicyOutput, ParsedTurn> {
  const isFinal = (turn: number): boolean => turn === preset.maxTurns;
  return {
    generate: (active, turn) => policy.act(active.map((r) => ({ ...r.state, turns: r.turns, final: isFinal(turn) })), turn),
    parse: (_run, output, turn) => {
      const out = output ?? { text: '', finishReason: 'none' as const, tokens: 0, issues: [{ turn, code: 'model-error', message: 'no output' }] };
      return { out, parse: parseSearcherResponse(out.text, { maxSelectableId, keptPerTurn: preset.keptPerTurn, turn }) };
    },
    query: ({ parse }, turn) => (!isFinal(turn) && parse.action === 'search' ? (parse.query ?? '') : null),
    apply: (run, { parsed: { out, parse }, retrieved }, turn) => {
      const issues = [...out.issues, ...parse.issues];
      if (out.finishReason === 'length') issues.push({ turn, code: 'max-tokens', message: 'the response hit the token limit' });
      let observation = '';
      if (isFinal(turn)) {
        run.done = true;
        if (parse.action === 'search') issues.push({ turn, code: 'turn-limit', message: 'the search turns are used up; this query is not run' });
      } else if (parse.action === 'complete') {
        run.done = true;
      } else if (parse.action === 'search') {
        observation = informationObservation(retrieved);
      } else {
        observation = INVALID_ACTION_FEEDBACK;
      }
      run.turns.push({
        output: out.text,
        response: parse.response,
        observation,
        action: parse.action,
        query: parse.query,
        retrieved,
        selectedIds: parse.selectedIds,
        searchComplete: parse.searchComplete,
        finishReason: out.finishReason,
        tokens: out.tokens,
        issues,
      });
      run.state.continuation += parse.response + observation;
    },
  };
}

/**
 * Runs a policy through the s3 environment for every question; turn k of all active questions is
 * one `policy.act` call and one `retriever.search` call (see `runTurns`).
 *
 * @example
 * ```ts
 * const trajectories = await runSearchLoop({ questions: ['Who founded Cuga Records?'], retriever, policy: scriptedPolicy() });
 * ```
 */
export async function runSearchLoop(options: SearchLoopOptions & { policy: SearcherPolicy; meta?: Record<string, unknown> }): Promise<Trajectory[]> {
  const preset = resolvePreset(options.preset);
  const initialK = options.initialDocs ?? PAPER_SCALE.initialDocs;
  const maxSelectableId = options.maxSelectableId ?? preset.docsPerTurn;
  const { retriever, policy } = options;

  const initialHits = initialK > 0 ? await retriever.search([...options.questions], initialK) : options.questions.map(() => []);
  const runs: Running[] = options.questions.map((question, i) => {
    const initialDocs = (initialHits[i] ?? []).map(toRetrievedDoc);
    const prompt = (options.buildPrompt ?? buildSearcherPrompt)({
      question,
      initialResults: formatDocLines(initialDocs, { spaced: true }),
      keptPerTurn: preset.keptPerTurn,
      retriever: options.retrieverKind ?? 'dense',
    });
    return { state: { id: i, question, prompt, continuation: '', initialDocs, turns: [], preset, final: false }, turns: [], done: false };
  });

  // maxTurns search turns, then one more response for those still active.
  await runTurns(runs, s3Protocol(policy, preset, maxSelectableId), { turns: preset.maxTurns + 1, retriever, k: preset.docsPerTurn, onProgress: options.onProgress });

  return runs.map((run) => {
    const transcript = run.state.prompt + run.state.continuation;
    const selectedDocs = extractSelectedDocs(transcriptAfterStartMarker(transcript) ?? '', { maxSelectableId, selection: options.selection ?? true });
    return {
      method: options.method ?? 's3',
      question: run.state.question,
      preset: preset.name,
      protocol: 's3' as const,
      prompt: run.state.prompt,
      maxSelectableId,
      turns: run.turns,
      selectedDocs,
      context: formatGeneratorContext(selectedDocs),
      answer: null,
      counts: {
        documents: selectedDocs.length,
        searcherTokens: run.turns.reduce((sum, t) => sum + t.tokens, 0),
        turns: run.turns.length,
        searches: run.turns.filter((t) => t.action === 'search' && t.observation !== '').length,
      },
      issues: run.turns.flatMap((t) => t.issues),
      meta: { policy: policy.name, initialDocs: initialK, selection: options.selection ?? true, docsPerTurn: preset.docsPerTurn, maxTurns: preset.maxTurns, keptPerTurn: preset.keptPerTurn, retrieverKind: options.retrieverKind ?? 'dense', ...options.meta },
    };
  });
}

/**
 * The s3 searcher: a `ChatModel` writes the responses.
 *
 * @example
 * ```ts
 * const trajectories = await runSearcher({ questions: ['Who founded Cuga Records?'], model, retriever, preset: '8-3-3' });
 * console.log(trajectories[0]!.context);
 * ```
 */
export function runSearcher(options: RunSearcherOptions): Promise<Trajectory[]> {
  const { model, template, temperature, maxTokens, seed, ...loop } = options;
  return runSearchLoop({
    ...loop,
    policy: modelPolicy(model, { template, temperature, maxTokens, seed }),
    meta: { model: model.name, temperature: temperature ?? 0, maxTokens: maxTokens ?? PAPER_SCALE.searcherMaxTokens, seed: seed ?? 0, mode: template ? 'complete' : 'chat' },
  });
}
