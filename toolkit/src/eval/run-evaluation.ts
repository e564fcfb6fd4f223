/**
 * Runs methods (by name from the one registry, or `Method` objects) over a question set: each
 * method builds the generator's contexts, the frozen generator answers, GenAcc (span match, else
 * the judge) scores, and EM and F1 are kept for reporting (`scoreContexts`, the reward's scorer).
 * Gain Beyond RAG is GenAcc minus the naive-RAG GenAcc of the same question, taken from the RAG
 * cache when one is given, else from this run's `naive-rag` records (which then run first).
 * A method that answers itself (a trajectory's `answer`, Search-R1's) has that answer scored too,
 * by the same GenAcc, EM and F1 (`ownAnswer` in its record, `… (end to end)` cells in the summary);
 * the generator's answer from its documents stays its main row.
 * Each method gets its own searcher from `searchers` when named there, else the shared `searcher`.
 * Per-question records go to `out/records.jsonl` as they finish (append-only, flushed, resumed
 * after a kill: finished (method, id) pairs are skipped), then `out/summary.json` is written.
 * `out/run.json` records the settings the records are made with (models, k, …); a resume with others
 * is refused (`force` starts over), while one with more methods or questions adds their records.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel, openRetriever, readQa, runEvaluation } from '@s3lab/toolkit';
 * const generator = await loadLocalChatModel('datasets/models/lab-generator');
 * const { retriever } = await openRetriever('indexes/lab-bm25');
 * const questions = await readQa('datasets/lab/test.jsonl').toArray();
 * const { summary } = await runEvaluation({ methods: ['no-retrieval', 'naive-rag', 'scripted'], questions, generator, retriever, limit: 50, out: '/tmp/eval' });
 * console.log(summary.cells.map((c) => [c.method, c.type, c.genAcc, c.gbr]));
 * ```
 */
import { join } from 'node:path';
import { z } from 'zod';
import { LAB_METHODS } from '../agent/lab-searcher/lab-searcher.js';
import { isLabSearcher, labMethodOf } from '../agent/lab-searcher/loaded.js';
import type { Method, MethodEnv, SearcherModel } from '../agent/method.js';
import type { GenerationSettings } from '../agent/model-call.js';
import { getMethod } from '../agent/registry.js';
import type { Trajectory } from '../agent/trajectory.js';
import { LAB_DATA_SOURCE, PAPER_SCALE } from '../config/index.js';
import { writeFileAtomically, writeAll } from '../core/atomic-file.js';
import { openResumableJsonl } from '../core/resumable-jsonl.js';
import { openRunRecord, type RunSettings } from '../core/run-settings.js';
import { InputError } from '../core/input-error.js';
import { validateOptions } from '../core/validate.js';
import { normalizeQuestion, type QaRecord } from '../data/formats/qa.js';
import { mapConcurrent } from '../llm/concurrency.js';
import type { ChatModel } from '../llm/types.js';
import type { Retriever } from '../retrieval/types.js';
import { toRewardTrajectory } from '../reward/from-trajectory.js';
import type { RagCache } from '../reward/rag-cache.js';
import { scoreContexts } from '../reward/score.js';
import { scoreOwnAnswers } from './own-answer.js';
import { NAIVE_RAG_METHOD, ragCacheBaseline, runBaseline, withGbr, type GbrBaseline } from './gbr-baseline.js';
import { evalRecordSchema, summarizeRecords, type EvalRecord, type GbrSource, type SummaryCell } from './summary.js';

export const RECORDS_FILE = 'records.jsonl';
export const SUMMARY_FILE = 'summary.json';
/** What an evaluation directory's records were made with (see {@link evaluationSettings}). */
export const RUN_RECORD_FILE = 'run.json';

export interface RunEvaluationOptions {
  /** Method names (looked up in the registry: `getMethod`) or method objects. */
  methods: readonly (string | Method)[];
  questions: readonly QaRecord[];
  generator: ChatModel;
  /** The GenAcc judge (the original: the generator's own server); omitted = span match only, recorded as `judge: null`. */
  judge?: ChatModel;
  retriever?: Retriever;
  /**
   * The searcher of the methods that need one and have none in `searchers`: a chat model, or a loaded
   * lab searcher (it serves the method its `s3lab.json` names, s3 when it names none).
   */
  searcher?: SearcherModel;
  /**
   * Searchers by method name, each taking precedence over `searcher` for its method (e.g. the lab
   * Search-R1 policy for `search-r1`, the lab s3 searcher for `s3`). Each key must be one of
   * `methods` that needs a searcher.
   */
  searchers?: Readonly<Record<string, SearcherModel>>;
  /** Searcher preset of s3 and scripted (their default: 8-3-3; a lab searcher's own). */
  preset?: string;
  /** The index kind (s3 asks for Boolean queries with `bm25`). */
  retrieverKind?: 'dense' | 'bm25';
  /** Sampling of a chat-model searcher (temperature, max tokens, seed, chat template). */
  sampling?: GenerationSettings;
  /** Evaluate the first `limit` questions only. */
  limit?: number;
  /** Output directory: `records.jsonl`, `summary.json`. */
  out: string;
  /** Passages per retrieval for naive RAG and the baselines (default 3, the original's naive-RAG context). */
  k?: number;
  /** Most tokens per generator answer (backend default when omitted). */
  maxTokens?: number;
  /** Questions per method/generator/judge call (default 16). */
  batchSize?: number;
  /** Batches in flight at once (default 2). */
  concurrency?: number;
  /** Store each question's generator context in its record (default true). */
  keepContext?: boolean;
  /** The GBR baseline: naive-RAG GenAcc per question. Without one, GBR comes from this run's `naive-rag` records, if any. */
  ragCache?: RagCache;
  /** The RAG-cache section of the questions (the original's `data_source`; default `lab`). */
  dataSource?: string;
  /** Extra facts recorded in `summary.json` (data file, index, …). */
  describe?: Record<string, unknown>;
  /**
   * What else makes the records, beyond what the models' names and the options here say (e.g. the
   * sources of the models and the index): recorded in `out/run.json`, and a resume with others is refused.
   */
  settings?: RunSettings;
  /** Start over: delete the records and summary in `out` (an evaluation with other settings there is refused otherwise). */
  force?: boolean;
  onProgress?: (method: string, done: number, total: number) => void;
}

/** What GBR was measured against. */
export type GbrBaselineInfo = { source: Extract<GbrSource, 'rag-cache'>; dataSource: string } | { source: Extract<GbrSource, 'naive-rag'> };

export interface EvaluationSummary {
  methods: string[];
  questions: number;
  generator: string;
  judge: string | null;
  k: number;
  /** The GBR baseline; null when the run had none (no RAG cache, no naive-rag method). */
  gbrBaseline: GbrBaselineInfo | null;
  /** Records without a baseline GenAcc (questions missing from the RAG cache); their GBR is left out of the means. */
  gbrMissing: number;
  /** When the summary was written. */
  written: string;
  cells: SummaryCell[];
  [extra: string]: unknown;
}

const optionsSchema = z.object({
  limit: z.number().int().min(1).optional(),
  k: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  concurrency: z.number().int().min(1),
  maxTokens: z.number().int().min(1).optional(),
  out: z.string().min(1),
  dataSource: z.string().min(1),
});

/** The searcher a method gets: its own in `searchers`, else the shared one. */
function searcherFor(options: RunEvaluationOptions, method: string): SearcherModel | undefined {
  return Object.hasOwn(options.searchers ?? {}, method) ? options.searchers?.[method] : options.searcher;
}

/** The methods resolved, each checked against what the run provides (its own searcher, else the shared one). */
function resolveMethods(options: RunEvaluationOptions): Method[] {
  const methods = options.methods.map((m) => (typeof m === 'string' ? getMethod(m) : m));
  if (methods.length === 0) throw new RangeError('runEvaluation: methods: name at least one method');
  const seen = new Set<string>();
  for (const method of methods) {
    if (seen.has(method.name)) throw new RangeError(`runEvaluation: method ${method.name} is named twice; records are keyed by method name`);
    seen.add(method.name);
    if (method.needs.retriever && !options.retriever) throw new RangeError(`runEvaluation: method ${method.name} needs a retriever (an index)`);
    const searcher = searcherFor(options, method.name);
    if (method.needs.searcher && !searcher) throw new RangeError(`runEvaluation: method ${method.name} needs a searcher model (options.searcher, or options.searchers[${JSON.stringify(method.name)}])`);
    if (method.needs.searcher === 'chat' && isLabSearcher(searcher)) {
      throw new RangeError(`runEvaluation: method ${method.name} needs an instruction-following chat model as its searcher; ${searcher.dir} is a lab searcher (it runs ${labMethodOf(searcher)} only)`);
    }
    // A lab model was trained for one protocol (its prompt and tags): another method would read it as noise.
    if (isLabSearcher(searcher) && (LAB_METHODS as readonly string[]).includes(method.name) && labMethodOf(searcher) !== method.name) {
      throw new RangeError(`runEvaluation: method ${method.name} was given ${searcher.dir}, a lab ${labMethodOf(searcher)} searcher (its s3lab.json); it serves ${labMethodOf(searcher)} only`);
    }
  }
  for (const name of Object.keys(options.searchers ?? {})) {
    const method = methods.find((m) => m.name === name);
    if (!method) throw new RangeError(`runEvaluation: searchers: ${JSON.stringify(name)} is not one of the methods (${methods.map((m) => m.name).join(', ')})`);
    if (!method.needs.searcher) throw new RangeError(`runEvaluation: searchers: method ${name} takes no searcher model`);
  }
  return methods;
}

/** Runs the evaluation (resuming `out/records.jsonl` if present) and writes `out/summary.json`. */
export async function runEvaluation(options: RunEvaluationOptions): Promise<{ summary: EvaluationSummary; records: EvalRecord[] }> {
  const settings = validateOptions(optionsSchema, {
    limit: options.limit, k: options.k ?? PAPER_SCALE.naiveRagK, batchSize: options.batchSize ?? 16, concurrency: options.concurrency ?? 2,
    maxTokens: options.maxTokens, out: options.out, dataSource: options.dataSource ?? LAB_DATA_SOURCE,
  }, 'runEvaluation');
  const methods = resolveMethods(options);
  const questions = options.questions.slice(0, settings.limit).map((q) => ({ ...q, question: normalizeQuestion(q.question) }));
  const ids = new Set<string>();
  for (const q of questions) {
    if (ids.has(q.id)) throw new RangeError(`runEvaluation: question id ${q.id} appears twice; ids must be unique to resume`);
    ids.add(q.id);
  }

  // Records made with other settings (another generator, methods or questions) must not be resumed into this run.
  await openRunRecord({
    file: join(settings.out, RUN_RECORD_FILE), settings: evaluationSettings(options, settings), what: 'an evaluation',
    force: options.force === true, outputs: [RECORDS_FILE, SUMMARY_FILE].map((name) => join(settings.out, name)),
  });
  const file = await openResumableJsonl(join(settings.out, RECORDS_FILE), evalRecordSchema);
  // Another data set's questions can have the same ids (test_0, …): its records must not be taken as this run's.
  const byId = new Map(questions.map((q) => [q.id, q.question]));
  for (const record of file.records) {
    const question = byId.get(record.id);
    if (question !== undefined && question !== record.question) {
      throw new InputError(`${file.path} holds question id ${record.id} as ${JSON.stringify(record.question)}, not ${JSON.stringify(question)}: its records were made for other questions; run again with --force to start over, or give another --out`);
    }
  }
  const key = (method: string, id: string): string => `${method}\u0000${id}`;
  const done = new Map<string, EvalRecord>(file.records.map((r) => [key(r.method, r.id), r]));
  const env: MethodEnv = {
    retriever: options.retriever, searcher: options.searcher, generator: options.generator, k: settings.k,
    preset: options.preset, retrieverKind: options.retrieverKind, sampling: options.sampling,
  };
  const envFor = (method: Method): MethodEnv => ({ ...env, searcher: searcherFor(options, method.name) });
  const naiveInRun = methods.some((m) => m.name === NAIVE_RAG_METHOD);
  const baseline: GbrBaseline | undefined = options.ragCache
    ? ragCacheBaseline(options.ragCache, settings.dataSource)
    : naiveInRun ? runBaseline((id) => done.get(key(NAIVE_RAG_METHOD, id))) : undefined;
  // With the run as the baseline, naive RAG goes first so that every later record is written with its GBR.
  const order = baseline?.source === NAIVE_RAG_METHOD ? [...methods].sort((a, b) => Number(b.name === NAIVE_RAG_METHOD) - Number(a.name === NAIVE_RAG_METHOD)) : methods;
  const gbrOf = (record: EvalRecord): EvalRecord => {
    if (!baseline) return record;
    // Naive RAG is its own baseline in the run (GBR 0), whatever its records say.
    const rag = baseline.source === NAIVE_RAG_METHOD && record.method === NAIVE_RAG_METHOD ? record.genAcc : baseline.ragGenAcc(record);
    return withGbr(record, baseline.source, rag);
  };

  for (const method of order) {
    const todo = questions.filter((q) => !done.has(key(method.name, q.id)));
    let finished = questions.length - todo.length;
    options.onProgress?.(method.name, finished, questions.length);
    const batches: QaRecord[][] = [];
    for (let start = 0; start < todo.length; start += settings.batchSize) batches.push(todo.slice(start, start + settings.batchSize));
    await mapConcurrent(batches, settings.concurrency, async (batch) => {
      const records = (await evaluateBatch(method, batch, envFor(method), options, settings.maxTokens)).map(gbrOf);
      await file.append(records);
      for (const record of records) done.set(key(record.method, record.id), record);
      finished += records.length;
      options.onProgress?.(method.name, finished, questions.length);
    });
  }

  // The summary covers exactly this run's methods × questions, whichever run produced each record;
  // GBR is recomputed against this run's baseline (resumed records may predate it).
  const records = methods.flatMap((m) => questions.map((q) => gbrOf(done.get(key(m.name, q.id)) as EvalRecord)));
  const summary: EvaluationSummary = {
    methods: methods.map((m) => m.name),
    questions: questions.length,
    generator: options.generator.name,
    judge: options.judge?.name ?? null,
    k: settings.k,
    gbrBaseline: !baseline ? null : baseline.source === 'rag-cache' ? { source: 'rag-cache', dataSource: settings.dataSource } : { source: 'naive-rag' },
    gbrMissing: baseline ? records.filter((r) => r.gbr === undefined).length : 0,
    written: new Date().toISOString(),
    ...options.describe,
    cells: summarizeRecords(records),
  };
  await writeFileAtomically(join(settings.out, SUMMARY_FILE), (handle) => writeAll(handle, Buffer.from(`${JSON.stringify(summary, null, 2)}\n`)));
  return { summary, records };
}

/**
 * Every setting that changes how a record is made: the models by name (per-method searchers under
 * `searchers.<method>`), retrieval and generation settings, and the caller's `settings` (their
 * sources). Not the methods or questions: each record is one (method, question), and the summary
 * covers exactly the run's own, so a resume may add
 * either (a question id must keep its question: see the check in `runEvaluation`). Not the GBR
 * baseline: the summary recomputes GBR against this run's. Batch size and concurrency change only
 * the order records are written in.
 */
function evaluationSettings(options: RunEvaluationOptions, settings: z.output<typeof optionsSchema>): RunSettings {
  return {
    generator: options.generator.name,
    judge: options.judge?.name ?? null,
    searcher: options.searcher?.name ?? null,
    // Absent without per-method searchers, as in the records of earlier runs.
    ...(options.searchers && Object.keys(options.searchers).length > 0 ? { searchers: Object.fromEntries(Object.entries(options.searchers).map(([method, searcher]) => [method, searcher.name])) } : {}),
    preset: options.preset,
    retrieverKind: options.retrieverKind,
    sampling: options.sampling,
    k: settings.k,
    maxTokens: settings.maxTokens,
    keepContext: options.keepContext !== false,
    ...options.settings,
  };
}

/** One batch of one method: its trajectories, the generator's answers and their scores (and its own answers', if any), as records. */
async function evaluateBatch(method: Method, batch: readonly QaRecord[], env: MethodEnv, options: RunEvaluationOptions, maxTokens: number | undefined): Promise<EvalRecord[]> {
  const trajectories = await method.run(batch.map((q) => q.question), env);
  checkTrajectories(method, batch, trajectories);
  const scored = await scoreContexts(batch.map((q, i) => ({ ...toRewardTrajectory(trajectories[i] as Trajectory, q.golden_answers), zeroShot: method.zeroShot === true })), { generator: options.generator, judge: options.judge, maxTokens });
  const own = await scoreOwnAnswers(batch.map((q, i) => ({ answer: (trajectories[i] as Trajectory).answer, goldenAnswers: q.golden_answers })), options.judge);
  return batch.map((q, i) => {
    const t = trajectories[i] as Trajectory;
    const s = scored[i] as (typeof scored)[number];
    const ownAnswer = own[i];
    return {
      method: method.name,
      id: q.id,
      type: q.type ?? 'untyped',
      question: q.question,
      goldenAnswers: q.golden_answers,
      answer: s.answer,
      reply: s.reply,
      genAcc: s.genAcc,
      spanMatch: s.spanMatch,
      judged: s.judged,
      ...(s.judgeReply !== undefined ? { judgeReply: s.judgeReply } : {}),
      em: s.em,
      f1: s.f1,
      documents: t.counts.documents,
      searcherTokens: t.counts.searcherTokens,
      turns: t.counts.turns,
      searches: t.counts.searches,
      generatorPromptTokens: s.promptTokens,
      ...(options.keepContext === false ? {} : { context: t.context }),
      ...(options.keepContext === false || !t.turns.some((turn) => turn.output !== '') ? {} : { searcherOutputs: t.turns.map((turn) => turn.output) }),
      ...(ownAnswer ? { ownAnswer } : {}),
    };
  });
}

/** A method must answer each question of the batch, in order. */
function checkTrajectories(method: Method, batch: readonly QaRecord[], trajectories: readonly Trajectory[]): void {
  if (trajectories.length !== batch.length) throw new Error(`method ${method.name} returned ${trajectories.length} trajectories for ${batch.length} questions`);
  trajectories.forEach((t, i) => {
    const expected = (batch[i] as QaRecord).question;
    if (t.question !== expected) throw new Error(`method ${method.name}: trajectory ${i} is for ${JSON.stringify(t.question)}, expected ${JSON.stringify(expected)} (one trajectory per question, in order)`);
  });
}
