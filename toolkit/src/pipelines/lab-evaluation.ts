/**
 * Greedy evaluation of a lab searcher on held-out questions through the one evaluation path
 * (`runEvaluation`, the method it was trained for with the loaded lab model): each question's run, the frozen
 * generator's answer, GenAcc and GBR against the RAG cache, one record per question in the
 * records format of `s3lab eval` (a killed evaluation resumes from its records). The lab run
 * evaluates in worker threads: each opens its own retriever and generator from the job's
 * description, so the SFT searcher's evaluation runs on one core while RL trains on the other,
 * and the RL searcher's is split across both.
 */
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LAB_METHODS } from '../agent/lab-searcher/lab-searcher.js';
import { loadLabSearcher } from '../agent/lab-searcher/loaded.js';
import { LAB_DATA_SOURCE } from '../config/index.js';
import { readFinishedJsonl } from '../core/resumable-jsonl.js';
import { startModuleWorker } from '../core/worker-thread.js';
import type { QaRecord } from '../data/formats/qa.js';
import { RECORDS_FILE, runEvaluation } from '../eval/run-evaluation.js';
import { evalRecordSchema, type EvalRecord } from '../eval/summary.js';
import { cachedChatModel } from '../llm/cache.js';
import { openChatModelSource } from '../llm/open-source.js';
import { openRetrieverSource } from '../retrieval/open-source.js';
import { RagCache } from '../reward/rag-cache.js';

/**
 * Everything a worker needs to evaluate a searcher, as files, sources and plain values: the one
 * description both sides read (the worker validates it).
 */
export const searcherEvaluationJobSchema = z.object({
  /** What the model was trained for, the method it runs (default s3). */
  method: z.enum(LAB_METHODS).optional(),
  /** The searcher (config.json + model.safetensors). */
  modelDir: z.string().min(1),
  questions: z.array(z.object({ id: z.string(), question: z.string(), goldenAnswers: z.array(z.string()), type: z.string().optional() })),
  /** The evaluation's directory (`records.jsonl`, `summary.json`); existing records are kept. */
  out: z.string().min(1),
  /** The retriever's source (`openRetrieverSource`): a corpus JSONL, an index directory or a server URL. */
  retriever: z.string().min(1),
  /** The generator's source (`openChatModelSource`): a model directory or a server URL (with `generatorModel`). */
  generator: z.string().min(1),
  generatorModel: z.string().min(1).optional(),
  /** Response cache of the generator (shared, safe across threads and processes). */
  generatorCache: z.string().min(1),
  /** The searcher's tokenizer directory (a checkpoint holds only config.json and weights). */
  tokenizer: z.string().min(1),
  ragCache: z.string().min(1),
  preset: z.string().min(1),
  initialDocs: z.number().int().min(0),
  /** false: every retrieved document goes to the generator. */
  selection: z.boolean(),
  maxResponseTokens: z.number().int().min(1),
  /**
   * ONNX Runtime's intra-op threads for the worker's searcher and generator (they take turns, so
   * they share them). `evaluateSearcherInWorkers` gives each of its workers an even share of the
   * cores when the job names none.
   */
  threads: z.number().int().min(1).optional(),
});
export type SearcherEvaluationJob = z.output<typeof searcherEvaluationJobSchema>;

/** Questions per greedy batch (and per record append): searcher, generator and judge calls. */
const EVAL_BATCH = 32;

/**
 * Opens the job's retriever, generator and searcher, then evaluates (a worker's whole work).
 *
 * @example
 * ```ts
 * const records = await evaluateSearcherJob(job, (done, total) => console.log(done, total));
 * ```
 */
export async function evaluateSearcherJob(job: SearcherEvaluationJob, onProgress?: (done: number, total: number) => void): Promise<EvalRecord[]> {
  // A finished part (a resumed run) costs no retriever, generator or searcher.
  const finished = await readFinishedJsonl(join(job.out, RECORDS_FILE), evalRecordSchema).catch(() => []);
  if (finished.length >= job.questions.length) return finished.slice(0, job.questions.length);
  const opened = await openRetrieverSource(job.retriever, 'retriever');
  const threads = job.threads === undefined ? {} : { threads: job.threads };
  const generatorModel = await openChatModelSource(job.generator, { label: 'generator', ...threads, ...(job.generatorModel ? { model: job.generatorModel } : {}) });
  const method = job.method ?? 's3';
  const searcher = await loadLabSearcher(job.modelDir, { searcher: 'lab', ...(method === 's3' ? {} : { method }), preset: job.preset, initialDocs: job.initialDocs, selection: job.selection }, job.tokenizer, threads);
  try {
    const { records } = await runEvaluation({
      methods: [method], questions: job.questions.map(toQaRecord), out: job.out,
      generator: cachedChatModel(generatorModel, { dir: job.generatorCache }), retriever: opened.retriever, retrieverKind: opened.kind ?? 'dense',
      searcher, preset: job.preset, sampling: { maxTokens: job.maxResponseTokens },
      ragCache: await RagCache.load(job.ragCache), dataSource: LAB_DATA_SOURCE, batchSize: EVAL_BATCH, concurrency: 1,
      describe: { searcher: job.modelDir },
      onProgress: (_method, done, total) => onProgress?.(done, total),
    });
    return records;
  } finally {
    searcher.dispose();
    await generatorModel.dispose();
    await opened.close();
  }
}

function toQaRecord(q: SearcherEvaluationJob['questions'][number]): QaRecord {
  return { id: q.id, question: q.question, golden_answers: q.goldenAnswers, ...(q.type === undefined ? {} : { type: q.type }) };
}

/**
 * Evaluates in `parts` worker threads, each taking a contiguous share of the questions into its own
 * directory (`out/part1`, … for more than one part); the records come back in question order.
 * Each worker's models run on `job.threads` threads, by default the cores divided by `parts` (at
 * least one), so that the workers together use about every core once.
 *
 * @example
 * ```ts
 * const records = await evaluateSearcherInWorkers({ ...job, modelDir: 'out/train-lab/searcher' }, 2, (done, total) => console.log(done, total));
 * ```
 */
export async function evaluateSearcherInWorkers(job: SearcherEvaluationJob, parts: number, onProgress?: (done: number, total: number) => void): Promise<EvalRecord[]> {
  const size = Math.ceil(job.questions.length / Math.max(1, parts));
  const shares = Array.from({ length: Math.max(1, parts) }, (_, i) => job.questions.slice(i * size, (i + 1) * size)).filter((q) => q.length > 0);
  const threads = job.threads ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, parts)));
  const progress = shares.map(() => 0);
  const rows = await Promise.all(shares.map((questions, i) => runWorker(
    { ...job, questions, threads, out: shares.length === 1 ? job.out : join(job.out, `part${i + 1}`) },
    (done) => {
      progress[i] = done;
      onProgress?.(progress.reduce((a, b) => a + b, 0), job.questions.length);
    },
  )));
  return rows.flat();
}

type WorkerMessage = { kind: 'progress'; done: number; total: number } | { kind: 'done'; rows: EvalRecord[] } | { kind: 'error'; message: string };

function runWorker(job: SearcherEvaluationJob, onProgress: (done: number) => void): Promise<EvalRecord[]> {
  const worker = startModuleWorker(new URL('./lab-evaluation-worker.js', import.meta.url), job);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      reject(new Error(`evaluating ${job.modelDir} on ${job.questions.length} questions (${job.out}): ${why}`));
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') onProgress(message.done);
      else if (message.kind === 'error') fail(message.message);
      else if (!settled) {
        settled = true;
        resolve(message.rows);
        void worker.terminate();
      }
    });
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`the worker exited with code ${code} before finishing`));
  });
}

/**
 * The records of an evaluation directory in question order: its `records.jsonl`, or those of its
 * parts (`part1`, `part2`, … as {@link evaluateSearcherInWorkers} splits it).
 *
 * @example
 * ```ts
 * const records = await readSearcherEvaluation(evaluationDir('out/train-lab', 'rl'));
 * ```
 */
export async function readSearcherEvaluation(dir: string): Promise<EvalRecord[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.includes(RECORDS_FILE)) return readFinishedJsonl(join(dir, RECORDS_FILE), evalRecordSchema);
  const parts = entries.flatMap((name) => { const m = /^part(\d+)$/u.exec(name); return m ? [{ name, n: Number(m[1]) }] : []; }).sort((a, b) => a.n - b.n);
  const rows = await Promise.all(parts.map((p) => readFinishedJsonl(join(dir, p.name, RECORDS_FILE), evalRecordSchema).catch(() => [] as EvalRecord[])));
  return rows.flat();
}

/** The directory of a method's evaluation in a run directory. */
export function evaluationDir(out: string, method: string): string {
  return join(out, 'eval', method);
}
