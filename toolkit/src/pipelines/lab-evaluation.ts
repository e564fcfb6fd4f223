/**
 * Greedy evaluation of a lab searcher on held-out questions: each question's run, the frozen
 * generator's answer, GenAcc and GBR, one JSONL record per question (a killed evaluation resumes
 * from its records). The lab run evaluates in worker threads: each builds its own retriever and
 * generator from files, so the SFT searcher's evaluation runs on one core while RL trains on the
 * other, and the RL searcher's is split across both.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { dirname, join } from 'node:path';
import { startModuleWorker } from '../core/worker-thread.js';
import { appendJsonl } from '../core/jsonl-write.js';
import { cachedChatModel } from '../llm/cache.js';
import { openChatModelSource } from '../llm/open-source.js';
import { loadCausalLM } from '../models/lm/index.js';
import { loadTokenizer, type TextTokenizer } from '../models/tokenizer/index.js';
import { openRetrieverSource } from '../retrieval/open-source.js';
import { GenerationReward } from '../reward/gbr.js';
import { LAB_DATA_SOURCE, REWARD_VARIANTS } from '../config/index.js';
import { RagCache } from '../reward/rag-cache.js';
import { labSearcherPrompt } from '../agent/lab-searcher/lab-searcher.js';
import { collectRollouts, type RolloutReward, type SearchSettings, type TrainingQuestion } from '../rl/rollouts.js';

/** One evaluated question. */
export interface EvaluatedQuestion {
  questionId: string;
  type: string | undefined;
  genAcc: number;
  gbr: number;
  documents: number;
  searches: number;
  outputs: string[];
  answer: string;
}

/**
 * Everything a worker needs to evaluate a searcher, as files, sources and plain values: the one
 * description both sides read (the worker validates it).
 */
export const searcherEvaluationJobSchema = z.object({
  /** The searcher (config.json + model.safetensors). */
  modelDir: z.string().min(1),
  questions: z.array(z.object({ id: z.string(), question: z.string(), goldenAnswers: z.array(z.string()), type: z.string().optional() })),
  /** Records go here, one per question, in order; existing ones are kept. */
  file: z.string().min(1),
  /** The retriever's source (`openRetrieverSource`): a corpus JSONL, an index directory or a server URL. */
  retriever: z.string().min(1),
  /** The generator's source (`openChatModelSource`): a model directory or a server URL (with `generatorModel`). */
  generator: z.string().min(1),
  generatorModel: z.string().min(1).optional(),
  /** Response cache of the generator (shared, safe across threads and processes). */
  generatorCache: z.string().min(1),
  tokenizer: z.string().min(1),
  ragCache: z.string().min(1),
  reward: z.enum(REWARD_VARIANTS),
  preset: z.string().min(1),
  initialDocs: z.number().int().min(1),
  maxResponseTokens: z.number().int().min(1),
});
export type SearcherEvaluationJob = z.output<typeof searcherEvaluationJobSchema>;

/** Questions per greedy batch (and per record append). */
const EVAL_BATCH = 32;

/**
 * Evaluates in this thread, with a retriever, tokenizer and reward already built.
 *
 * @example
 * ```ts
 * const rows = await evaluateSearcher(job, { search, tokenizer, reward }, (done, total) => console.log(done, total));
 * ```
 */
export async function evaluateSearcher(
  job: Pick<SearcherEvaluationJob, 'modelDir' | 'questions' | 'file' | 'maxResponseTokens'>,
  env: { search: SearchSettings; tokenizer: TextTokenizer; reward: RolloutReward },
  onProgress?: (done: number, total: number) => void,
): Promise<EvaluatedQuestion[]> {
  await mkdir(dirname(job.file), { recursive: true });
  const done = await readRecords(job.file);
  if (done.length >= job.questions.length) return done.slice(0, job.questions.length);
  const lm = await loadCausalLM(job.modelDir);
  const results = done.slice();
  try {
    for (let i = results.length; i < job.questions.length; i += EVAL_BATCH) {
      const batch = job.questions.slice(i, i + EVAL_BATCH);
      const { rollouts } = await collectRollouts({ lm, tokenizer: env.tokenizer, reward: env.reward, questions: batch, search: env.search, sampling: { temperature: 0, maxTokens: job.maxResponseTokens } });
      const lines: EvaluatedQuestion[] = rollouts.map((r) => ({ questionId: r.questionId, type: r.type, genAcc: r.detail.genAcc, gbr: r.detail.gbr ?? 0, documents: r.trajectory.counts.documents, searches: r.trajectory.counts.searches, outputs: r.trajectory.turns.map((t) => t.output), answer: r.detail.answer ?? '' }));
      await appendJsonl(job.file, lines);
      results.push(...lines);
      onProgress?.(results.length, job.questions.length);
    }
  } finally {
    lm.dispose();
  }
  return results;
}

/** Builds the job's retriever, generator and reward, then evaluates (a worker's whole work). */
export async function evaluateSearcherJob(job: SearcherEvaluationJob, onProgress?: (done: number, total: number) => void): Promise<EvaluatedQuestion[]> {
  const done = await readRecords(job.file);
  if (done.length >= job.questions.length) return done.slice(0, job.questions.length);
  const opened = await openRetrieverSource(job.retriever, 'retriever');
  const generatorModel = await openChatModelSource(job.generator, { label: 'generator', ...(job.generatorModel ? { model: job.generatorModel } : {}) });
  try {
    const generator = cachedChatModel(generatorModel, { dir: job.generatorCache });
    const reward = new GenerationReward({ generator, ragCache: await RagCache.load(job.ragCache), variant: job.reward, dataSource: LAB_DATA_SOURCE });
    const search: SearchSettings = { retriever: opened.retriever, preset: job.preset, initialDocs: job.initialDocs, retrieverKind: opened.kind ?? 'dense', buildPrompt: labSearcherPrompt };
    return await evaluateSearcher(job, { search, tokenizer: await loadTokenizer(job.tokenizer), reward }, onProgress);
  } finally {
    await generatorModel.dispose();
    await opened.close();
  }
}

/**
 * Evaluates in `parts` worker threads, each taking a contiguous share of the questions into its own
 * record file (`file` with `.part1.jsonl` … for more than one part); the rows come back in question order.
 *
 * @example
 * ```ts
 * const rows = await evaluateSearcherInWorkers({ ...job, modelDir: 'out/train-lab/searcher' }, 2, (done, total) => console.log(done, total));
 * ```
 */
export async function evaluateSearcherInWorkers(job: SearcherEvaluationJob, parts: number, onProgress?: (done: number, total: number) => void): Promise<EvaluatedQuestion[]> {
  const size = Math.ceil(job.questions.length / Math.max(1, parts));
  const shares = Array.from({ length: Math.max(1, parts) }, (_, i) => job.questions.slice(i * size, (i + 1) * size)).filter((q) => q.length > 0);
  const progress = shares.map(() => 0);
  const rows = await Promise.all(shares.map((questions, i) => runWorker(
    { ...job, questions, file: shares.length === 1 ? job.file : job.file.replace(/\.jsonl$/, '') + `.part${i + 1}.jsonl` },
    (done) => {
      progress[i] = done;
      onProgress?.(progress.reduce((a, b) => a + b, 0), job.questions.length);
    },
  )));
  return rows.flat();
}

type WorkerMessage = { kind: 'progress'; done: number; total: number } | { kind: 'done'; rows: EvaluatedQuestion[] } | { kind: 'error'; message: string };

function runWorker(job: SearcherEvaluationJob, onProgress: (done: number) => void): Promise<EvaluatedQuestion[]> {
  const worker = startModuleWorker(new URL('./lab-evaluation-worker.js', import.meta.url), job);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      reject(new Error(`evaluating ${job.modelDir} on ${job.questions.length} questions (${job.file}): ${why}`));
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

async function readRecords(file: string): Promise<EvaluatedQuestion[]> {
  return readFile(file, 'utf8').then((text) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as EvaluatedQuestion), () => []);
}

/** The record file of a method's evaluation in a run directory. */
export function evaluationFile(out: string, method: string): string {
  return join(out, 'eval', `${method}.jsonl`);
}
