/**
 * The lab-scale training run, end to end and resumable (`s3lab train --preset lab --method s3|search-r1|deep-retrieval`):
 *
 *   1. SFT   — a from-scratch searcher imitates the varied scripted searcher     → sft/
 *   2. RL    — GRPO (or PPO) on GBR, generator frozen, BM25 in process           → checkpoints/, rl-metrics.jsonl
 *   3. eval  — SFT-only vs RL searcher (greedy) on held-out test questions: GenAcc
 *              by type, GBR, and a paired bootstrap of the GBR difference          → eval/, report.json
 *              (the SFT searcher's in a worker thread while RL trains, the RL searcher's in two)
 *
 * The method (`s3` by default) decides the loop the policy runs and its reward, with the same SFT,
 * trainer, checkpoints and evaluation: s3 on GBR with the frozen generator; Search-R1 (searches and
 * answers itself) on the exact match of its own answer; DeepRetrieval (one rewritten query) on the
 * recall of the supporting passages in its top k. Every method is evaluated with the frozen
 * generator answering from its documents (Search-R1 also by its own answers: "end to end").
 *
 * Each phase skips what a killed run already finished: SFT when `sft/` holds a model, RL from
 * the newest checkpoint, evaluation per method from its records. The searcher ends in
 * `searcher/` with the tokenizer beside it, loadable by `loadLocalChatModel`.
 */
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { LAB_DATA_SOURCE, LAB_PATHS, LAB_RUN_QUESTIONS, LAB_SCALE } from '../config/index.js';
import { InputError } from '../core/input-error.js';
import { isUrl } from '../core/is-url.js';
import { readQa, type QaRecord } from '../data/formats/qa.js';
import { appendJsonl, writeJsonl } from '../core/jsonl-write.js';
import { openRunRecord } from '../core/run-settings.js';
import { pairedBootstrap, type BootstrapInterval } from '../eval/bootstrap.js';
import { loadCausalLM, createCausalLM, type TransformerLM } from '../models/lm/index.js';
import { loadTokenizer, type TextTokenizer } from '../models/tokenizer/index.js';
import { openChatModelSource, type OpenedChatModel } from '../llm/open-source.js';
import { cachedChatModel } from '../llm/cache.js';
import { openRetrieverSource } from '../retrieval/open-source.js';
import { GenerationReward } from '../reward/gbr.js';
import { OwnAnswerReward } from '../reward/answer-exact-match.js';
import { RetrievalRecallReward } from '../reward/retrieval-recall.js';
import { precomputeRagCache, RagCache } from '../reward/rag-cache.js';
import { isYesNoQuestion } from '../reward/training-set.js';
import { Random } from '../core/random.js';
import { checkpointDir, latestCheckpoint, loadCheckpoint, saveCheckpoint } from '../rl/checkpoint.js';
import { rlConfig, type RlConfig } from '../rl/config.js';
import { searcherDemonstrations } from './demonstrations.js';
import { inPoints, meanInterval, MULTI_HOP_TYPES, percentByType } from './scores-by-type.js';
import { resolvePreset } from '../agent/presets.js';
import { LAB_SEARCHER_CONFIG, labSearcherPrompt, SHIPPED_LAB_MODELS, type LabMethod } from '../agent/lab-searcher/lab-searcher.js';
import { labPolicyLoop } from '../agent/lab-searcher/policy-loop.js';
import { methodDemonstrations } from './method-demonstrations.js';
import { writeLabSearcherInfo } from '../agent/lab-searcher/method.js';
import { endToEndScores, type EvalRecord } from '../eval/summary.js';
import { evaluateSearcherInWorkers, evaluationDir, type SearcherEvaluationJob } from './lab-evaluation.js';
import { type Rollout, type RolloutLoop, type RolloutReward, type SearchSettings, type TrainingQuestion } from '../rl/rollouts.js';
import { trainSft, type SftStepMetrics } from '../rl/sft.js';
import { createSearcherTrainer, type RlStepMetrics } from '../rl/trainer.js';
import { ValueHead } from '../rl/value-head.js';

export interface LabRunOptions {
  /** Output directory (created; a finished phase in it is not redone). */
  out: string;
  /** What the policy is trained to do (default `s3`): `s3`, `search-r1` or `deep-retrieval` (see the module's comment). */
  method?: LabMethod;
  /** The RL preset the run starts from: `lab` (GRPO, the default) or `lab-ppo` (the paper's algorithm at lab scale). */
  preset?: 'lab' | 'lab-ppo';
  /** RL settings over the preset (e.g. `{ steps: 4, seed: 2 }`). */
  config?: Partial<RlConfig>;
  /** Lab world directory (corpus.jsonl, train/test.jsonl). Default `datasets/lab`. */
  world?: string;
  /**
   * The retriever the searcher and naive RAG search: a corpus JSONL (BM25 in memory), an index
   * directory (`s3lab index bm25|dense`) or a retrieval server URL. Default: the world's
   * `corpus.jsonl` with BM25.
   */
  retriever?: string;
  /** The frozen generator: a model directory (run in its own worker thread) or an OpenAI-compatible server URL. Default `datasets/models/lab-generator`. */
  generator?: string;
  /** The generator's model name, when `generator` is a server URL. */
  generatorModel?: string;
  /** The tokenizer of the searcher. Default `datasets/models/lab-tokenizer`. */
  tokenizer?: string;
  /** A RAG cache to start from (questions missing from it are computed). Default: the generator's shipped `rag-cache.jsonl`. */
  ragCache?: string;
  /**
   * The warm start: a searcher directory to start RL from (default the method's shipped one: `datasets/models/lab-searcher/sft`,
   * `lab-search-r1/sft` or `lab-deep-retrieval/sft`; s3's is
   * SFT on 32k scripted demonstrations of other lab worlds and the lab world's training questions, trained with PyTorch on a GPU by
   * scripts/models/run-searcher-on-device.sh), or `train` to run the SFT here with trainSft (two
   * cores manage ~1k tokens/s: `sft` below sizes it).
   */
  warmStart?: string;
  /** In-process SFT (`warmStart: 'train'`): demonstration questions, optimizer steps, examples per step, learning rate. */
  sft?: { questions?: number; steps?: number; batchSize?: number; learningRate?: number };
  /** Held-out test questions evaluated (the first n of test.jsonl). Default 300. */
  evalQuestions?: number;
  /** Training questions the RL steps draw from (the first n of train.jsonl). Default 600. */
  trainQuestions?: number;
  /**
   * RL steps whose checkpoints are evaluated too (besides the warm start, step 0, and the last): the
   * learning curve over training questions consumed (step × batch), the paper's data-efficiency
   * axis. Evaluation only: a resumed run may add steps.
   */
  evalSteps?: readonly number[];
  /**
   * Cores the run may use (default: every core): ONNX Runtime's threads, the gradient workers (one
   * per core but this thread's) and the evaluation's workers. `s3lab sweep --jobs N` gives each run its share.
   */
  threads?: number;
  /** Start over: delete what an earlier run wrote in `out` (a run with other settings there is refused otherwise). */
  force?: boolean;
  /** Progress lines (phase, step, metrics). */
  onProgress?: (event: LabRunEvent) => void;
}

/** The record of what a run directory's run was started with (its RL configuration and {@link LabRunSettings}). */
const RUN_RECORD = 'run.json';
/** What a lab run writes in its directory: `force` removes these and nothing else. */
const LAB_RUN_OUTPUTS = ['sft', 'checkpoints', 'searcher', 'eval', 'generator-cache', 'rag-cache.jsonl', 'rl-metrics.jsonl', 'rollouts.jsonl', 'report.json'];

/** What a lab run was given besides its RL configuration, as `run.json` and `report.json` record it. */
export interface LabRunSettings {
  /** Absent for s3 (run directories written before the other methods have none). */
  method?: Exclude<LabMethod, 's3'>;
  world: string;
  retriever: string;
  generator: string;
  generatorModel?: string;
  tokenizer: string;
  warmStart: string;
  sft: NonNullable<LabRunOptions['sft']>;
  evalQuestions: number;
  trainQuestions: number;
}

export type LabRunEvent =
  | { phase: 'setup'; message: string }
  | { phase: 'sft'; step: number; steps: number; metrics: SftStepMetrics }
  | { phase: 'rl'; step: number; steps: number; metrics: RlStepMetrics }
  | { phase: 'eval'; method: string; done: number; total: number };

export interface MethodScores {
  method: string;
  /** A policy that writes its own answer (Search-R1): those answers scored the same way ("end to end"). */
  endToEnd?: Pick<MethodScores, 'genAcc' | 'gbr'>;
  /** GenAcc (%) overall and by question type. */
  genAcc: Record<string, number>;
  /** Mean GBR (points) overall and by question type. */
  gbr: Record<string, number>;
  documents: number;
  searches: number;
}

export interface LabRunReport {
  /** What the policy was trained to do. */
  method: LabMethod;
  config: RlConfig;
  /** Everything else the run was given (the cores it used are in `threads`). */
  settings: LabRunSettings;
  threads: number;
  /** The warm start: trained here (seconds > 0) or copied `from` a directory. */
  sft: { steps: number; finalLoss: number; seconds: number; examples: number; from?: string };
  rl: RlStepMetrics[];
  evaluation: {
    questions: number;
    naiveRag: MethodScores;
    sft: MethodScores;
    rl: MethodScores;
    /** RL − SFT GBR per question, points, with its 95% paired bootstrap interval. */
    gbrDifference: BootstrapInterval;
    /** Multi-hop (bridge, comparison, paraphrase) GenAcc: RL − naive RAG, points, with its interval; null when no test question is typed multi-hop (a world of your own). */
    multiHopOverNaive: BootstrapInterval | null;
  };
  seconds: { setup: number; sft: number; rl: number; eval: number; total: number };
  /** GenAcc over training questions consumed: the warm start (step 0), every `evalSteps` checkpoint and the last step. */
  curve: CurvePoint[];
  /** Training questions the RL steps drew (steps × batch, repeats counted) and rollouts sampled: the paper's Table 4 columns. */
  consumed: { questions: number; rollouts: number };
  /** Peak resident memory of the process (every thread), MiB. */
  peakMemoryMiB: number;
}

/** One point of the learning curve: a checkpoint's test GenAcc (%, with its 95% bootstrap interval) and GBR. */
export interface CurvePoint {
  step: number;
  /** Training questions consumed to reach it (step × batch size). */
  questions: number;
  genAcc: BootstrapInterval;
  gbr: number;
  /** Its own answers' GenAcc (Search-R1), with the interval. */
  endToEnd?: BootstrapInterval;
}

/** The shipped lab world, the one the generator's shipped RAG cache answers. */
const PAD = 'pad_token';

/**
 * @example
 * ```ts
 * import { trainLabSearcher } from '@s3lab/toolkit';
 * const report = await trainLabSearcher({ out: 'out/train-lab', onProgress: (e) => console.log(e) });
 * console.log(report.evaluation.gbrDifference); // RL − SFT GBR with its 95% interval
 * ```
 */
export async function trainLabSearcher(options: LabRunOptions): Promise<LabRunReport> {
  const started = performance.now();
  const config = rlConfig(options.preset ?? 'lab', options.config ?? {});
  const method = options.method ?? 's3';
  const world = options.world ?? LAB_PATHS.world;
  const generatorDir = options.generator ?? LAB_PATHS.generator;
  const tokenizerDir = options.tokenizer ?? LAB_PATHS.tokenizer;
  const retrieverSource = options.retriever ?? join(world, 'corpus.jsonl');
  // The method's shipped warm start: its lab model's `sft/`.
  const warmStart = options.warmStart ?? join(SHIPPED_LAB_MODELS[method], 'sft');
  const evalQuestions = options.evalQuestions ?? LAB_RUN_QUESTIONS.evaluation;
  const trainQuestions = options.trainQuestions ?? LAB_RUN_QUESTIONS.training;
  const out = options.out;
  const threads = options.threads ?? availableParallelism();
  const say = (message: string): void => options.onProgress?.({ phase: 'setup', message });
  if (warmStart !== 'train') await requireWarmStart(warmStart);
  await mkdir(out, { recursive: true });
  // One directory, one run: resuming with other settings would mix two runs' checkpoints and records.
  // The cores (`threads`) are left out: they change only the order of a gradient sum (rounding), and a run may resume on another machine.
  const settings: LabRunSettings = { ...(method === 's3' ? {} : { method }), world, retriever: retrieverSource, generator: generatorDir, ...(options.generatorModel ? { generatorModel: options.generatorModel } : {}), tokenizer: tokenizerDir, warmStart, sft: options.sft ?? {}, evalQuestions, trainQuestions };
  await openRunRecord({ file: join(out, RUN_RECORD), settings: { config, ...settings }, what: 'a lab run', force: options.force === true, outputs: LAB_RUN_OUTPUTS.map((name) => join(out, name)) });

  // --- setup: world, retriever, tokenizer, generator, RAG cache ---
  const opened = await openRetrieverSource(retrieverSource, 'retriever');
  const { retriever } = opened;
  let generatorModel: OpenedChatModel | undefined;
  try {
    const tokenizer = await loadTokenizer(tokenizerDir);
    const padId = tokenizer.tokenToId(tokenizer.specialTokens[PAD] ?? '<|endoftext|>') ?? 0;
    // In its own thread: it answers a step's rollouts while this thread scores their log-probabilities.
    generatorModel = await openChatModelSource(generatorDir, { label: 'generator', thread: 'worker', threads, ...(options.generatorModel ? { model: options.generatorModel } : {}) });
    // Identical generator requests (the same documents for the same question) are answered once,
    // across steps, methods and restarts.
    const generator = cachedChatModel(generatorModel, { dir: join(out, 'generator-cache') });
    const train = (await readQa(join(world, 'train.jsonl')).toArray()).filter((q) => !isYesNoQuestion(q.golden_answers));
    const test = (await readQa(join(world, 'test.jsonl')).toArray()).slice(0, evalQuestions);
    const rlPool = train.slice(0, trainQuestions);
    const sftPool = train.slice(trainQuestions, trainQuestions + (options.sft?.questions ?? 400));

    const ragFile = join(out, 'rag-cache.jsonl');
    // The generator's shipped cache answers the shipped lab world's questions; another world starts empty.
    const shipped = options.ragCache ?? (resolve(world) === resolve(LAB_PATHS.world) && options.retriever === undefined && !isUrl(generatorDir) ? join(generatorDir, 'rag-cache.jsonl') : undefined);
    if (shipped && !(await exists(ragFile)) && (await exists(shipped))) await copyFile(shipped, ragFile);
    say('RAG cache: naive-RAG GenAcc of the training and test questions (computed where missing)');
    await precomputeRagCache({ questions: [...rlPool, ...test], retriever, generator, out: ragFile, dataSource: LAB_DATA_SOURCE, k: LAB_SCALE.naiveRagK });
    const ragCache = await RagCache.load(ragFile);
    let pool = rlPool;
    if (config.filterSolvedByRag) pool = rlPool.filter((q) => ragCache.get(LAB_DATA_SOURCE, q.question)?.score !== 1);
    const reward = rewardOf(method, new GenerationReward({ generator, ragCache, variant: config.reward, dataSource: LAB_DATA_SOURCE }));
    const search: SearchSettings = { retriever, preset: config.preset, initialDocs: config.initialDocs, selection: config.selection, retrieverKind: opened.kind ?? 'dense', buildPrompt: labSearcherPrompt };
    const loop: RolloutLoop = method === 's3' ? search : labPolicyLoop(method, { retriever, retrieverKind: opened.kind ?? 'dense' });
    const setupSeconds = (performance.now() - started) / 1000;

    // --- 1. SFT ---
    const sftStarted = performance.now();
    const sftDir = join(out, 'sft');
    const sftSummary = warmStart === 'train' ? await runSft(sftDir, sftPool, method, search, tokenizer, padId, options) : await copyWarmStart(warmStart, sftDir);
    const sftSeconds = (performance.now() - sftStarted) / 1000;

    // The SFT searcher is fixed from here on: it is evaluated in a worker thread, on the core RL leaves idle.
    const questions = test.map(toTrainingQuestion);
    const job = (phase: string, modelDir: string): SearcherEvaluationJob => ({
      method, modelDir, questions, out: evaluationDir(out, phase), retriever: retrieverSource, generator: generatorDir, ...(options.generatorModel ? { generatorModel: options.generatorModel } : {}), generatorCache: join(out, 'generator-cache'),
      tokenizer: tokenizerDir, ragCache: ragFile, preset: config.preset, initialDocs: config.initialDocs, selection: config.selection, maxResponseTokens: config.maxResponseTokens,
    });
    const progress = (phase: string) => (done: number, total: number): void => options.onProgress?.({ phase: 'eval', method: phase, done, total });
    // Beside RL, on one thread: the training takes the cores it can.
    const sftEvaluation = evaluateSearcherInWorkers({ ...job('sft', sftDir), threads: 1 }, 1, progress('sft'));
    // Awaited below; a failure surfaces there, not as an unhandled rejection while RL runs.
    sftEvaluation.catch(() => undefined);

    // --- 2. RL ---
    const rlStarted = performance.now();
    const { history, resumedAt } = await runRl(out, sftDir, pool.map(toTrainingQuestion), loop, tokenizer, reward, config, padId, threads, options);
    // A resumed run's earlier processes spent their steps' seconds too: the report counts the whole run.
    const earlierSteps = history.filter((m) => m.step <= resumedAt).reduce((sum, m) => sum + m.seconds.total, 0);
    const rlSeconds = (performance.now() - rlStarted) / 1000 + earlierSteps;
    const finalDir = checkpointDir(join(out, 'checkpoints'), config.steps);
    await exportSearcher(finalDir, join(out, 'searcher'), tokenizerDir, method, search);

    // --- 3. evaluation: the RL searcher split over worker threads, one per core (two at most) ---
    const evalStarted = performance.now();
    const evalWorkers = Math.min(EVAL_WORKERS, threads);
    const inWorkers = (phase: string, dir: string): Promise<EvalRecord[]> => evaluateSearcherInWorkers({ ...job(phase, dir), threads: Math.max(1, Math.floor(threads / evalWorkers)) }, evalWorkers, progress(phase));
    const rlRuns = await inWorkers('rl', finalDir);
    const sftRuns = await sftEvaluation;
    const curve: CurvePoint[] = [curvePoint(0, config, sftRuns)];
    for (const step of [...new Set(options.evalSteps ?? [])].filter((s) => s > 0 && s < config.steps).sort((a, b) => a - b)) {
      curve.push(curvePoint(step, config, await inWorkers(`step-${step}`, checkpointDir(join(out, 'checkpoints'), step))));
    }
    curve.push(curvePoint(config.steps, config, rlRuns));
    const naive = questions.map((q) => ({ type: q.type, genAcc: ragCache.get(LAB_DATA_SOURCE, q.question)?.score ?? 0, gbr: 0, documents: LAB_SCALE.naiveRagK, searches: 0 }));
    const multi = questions.flatMap((q, i) => (MULTI_HOP_TYPES.has(q.type ?? '') ? [i] : []));
    const evaluation = {
      questions: questions.length,
      naiveRag: scoresOf('naive RAG', naive),
      sft: scoresOf('SFT searcher', sftRuns),
      rl: scoresOf(`${config.algorithm.toUpperCase()} ${method === 's3' ? 'searcher' : method}`, rlRuns),
      gbrDifference: inPoints(pairedBootstrap(sftRuns.map((r) => r.gbr ?? 0), rlRuns.map((r) => r.gbr ?? 0), { seed: config.seed })),
      multiHopOverNaive: multi.length ? inPoints(pairedBootstrap(multi.map((i) => naive[i]?.genAcc ?? 0), multi.map((i) => rlRuns[i]?.genAcc ?? 0), { seed: config.seed })) : null,
    };
    const evalSeconds = (performance.now() - evalStarted) / 1000;
    const report: LabRunReport = {
      method,
      config,
      settings,
      threads,
      sft: sftSummary,
      rl: history,
      evaluation,
      curve,
      seconds: { setup: setupSeconds, sft: sftSeconds, rl: rlSeconds, eval: evalSeconds, total: (performance.now() - started) / 1000 + earlierSteps },
      consumed: { questions: config.steps * config.batchSize, rollouts: config.steps * config.batchSize * config.samplesPerQuestion },
      // ru_maxrss is in KiB on Linux; a resumed run reports its last process's peak.
      peakMemoryMiB: process.resourceUsage().maxRSS / 1024,
    };
    await writeFile(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await generatorModel?.dispose();
    await opened.close();
  }
}

/** What each method is trained on: s3 on GBR (the frozen generator), Search-R1 on its own answer's exact match, DeepRetrieval on the recall of the supporting passages in its top k. */
function rewardOf(method: LabMethod, gbr: GenerationReward): RolloutReward {
  switch (method) {
    case 's3': return gbr;
    case 'search-r1': return new OwnAnswerReward();
    case 'deep-retrieval': return new RetrievalRecallReward({ k: LAB_SCALE.naiveRagK });
  }
}

/** A warm start directory must hold a searcher's weights; checked before the setup's minutes of work. */
async function requireWarmStart(from: string): Promise<void> {
  if (!(await exists(join(from, 'model.safetensors')))) throw new InputError(`warm start ${from}: no model.safetensors there (give a searcher directory, or 'train' to run the SFT here)`);
}

/** Uses a trained warm start: its weights become sft/ (the reference policy and RL's start). */
async function copyWarmStart(from: string, dir: string): Promise<LabRunReport['sft']> {
  await requireWarmStart(from);
  await mkdir(dir, { recursive: true });
  for (const file of ['config.json', 'model.safetensors']) await copyFile(join(from, file), join(dir, file));
  const training = await readFile(join(from, 'training.json'), 'utf8').then((text) => JSON.parse(text) as { steps?: number; examples?: number; seconds?: number; curve?: { loss: number }[] }, () => ({} as { steps?: number; examples?: number; seconds?: number; curve?: { loss: number }[] }));
  return { steps: training.steps ?? 0, finalLoss: training.curve?.at(-1)?.loss ?? Number.NaN, seconds: 0, examples: training.examples ?? 0, from } as LabRunReport['sft'];
}

function toTrainingQuestion(q: QaRecord): TrainingQuestion {
  const supporting = Array.isArray(q.supporting_facts) && q.supporting_facts.every((id) => typeof id === 'string') ? { supportingDocs: q.supporting_facts as string[] } : {};
  return { id: q.id, question: q.question, goldenAnswers: [...q.golden_answers], ...(q.type === undefined ? {} : { type: String(q.type) }), ...supporting };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function runSft(dir: string, questions: readonly QaRecord[], method: LabMethod, search: SearchSettings, tokenizer: TextTokenizer, padId: number, options: LabRunOptions): Promise<LabRunReport['sft']> {
  const summaryFile = join(dir, 'sft.json');
  const done = await readFile(summaryFile, 'utf8').then((text) => JSON.parse(text) as LabRunReport['sft'], () => undefined);
  if (done) return done;
  const started = performance.now();
  // The shipped warm start's variants: stop, or search once more for one name from the kept documents.
  const variants = [0, 1].map((followUps) => ({ followUps, keep: 3, query: 'names' as const, maxNames: 1 }));
  const { examples } = method === 's3'
    ? await searcherDemonstrations({ ...search, questions: questions.map((q) => q.question), tokenizer, seed: 1, variants })
    : await methodDemonstrations({ method, questions: questions.map((q) => ({ question: q.question, goldenAnswers: q.golden_answers })), retriever: search.retriever, tokenizer, seed: 1 });
  // Long transcripts (two follow-ups) would not fit the WASM heap in a batch; the varied script has few.
  const fitting = examples.filter((e) => e.prompt.length + e.completion.length <= 1600);
  const lm = await createCausalLM({ ...LAB_SEARCHER_CONFIG }, { seed: 1 });
  const steps = options.sft?.steps ?? 100;
  const metricsFile = join(dir, 'sft-metrics.jsonl');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const history = await trainSft(lm, fitting, {
    steps, batchSize: options.sft?.batchSize ?? 2, gradientAccumulation: 2, learningRate: options.sft?.learningRate ?? 2e-3, warmupSteps: 10, schedule: 'cosine', padId, seed: 1,
    onStep: (metrics) => options.onProgress?.({ phase: 'sft', step: metrics.step, steps, metrics }),
  });
  await appendJsonl(metricsFile, history);
  await lm.save(dir);
  lm.dispose();
  const summary = { steps, finalLoss: history.at(-1)?.loss ?? Number.NaN, seconds: (performance.now() - started) / 1000, examples: fitting.length };
  await writeFile(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The RL phase from the newest checkpoint; `resumedAt` is the step it started after (0 for a fresh run). */
async function runRl(out: string, sftDir: string, pool: readonly TrainingQuestion[], search: RolloutLoop, tokenizer: TextTokenizer, reward: RolloutReward, config: RlConfig, padId: number, threads: number, options: LabRunOptions): Promise<{ history: RlStepMetrics[]; resumedAt: number }> {
  const root = join(out, 'checkpoints');
  const metricsFile = join(out, 'rl-metrics.jsonl');
  const latest = await latestCheckpoint(root);
  const loaded = latest ? await loadCheckpoint(latest) : undefined;
  const lm: TransformerLM = loaded?.lm ?? (await loadCausalLM(sftDir));
  const reference = config.klCoef > 0 || config.klLossCoef > 0 ? await loadCausalLM(sftDir) : undefined;
  const valueHead = config.algorithm === 'ppo' ? (loaded?.valueHead ?? new ValueHead(lm.architecture.hiddenSize)) : undefined;
  const start = loaded?.state.step ?? 0;
  // One gradient worker per spare core: the update (tfjs on WASM) otherwise uses one.
  const trainer = createSearcherTrainer({ lm, ...(reference ? { reference } : {}), ...(valueHead ? { valueHead } : {}), tokenizer, reward, search, config, padId, step: start, gradientWorkers: threads - 1, threads });
  if (loaded) await loaded.restoreOptimizers(trainer.actorOptimizer, trainer.criticOptimizer);
  // The logs go back to the checkpoint: a run killed after a step's lines but before its checkpoint redoes that step.
  const history = await truncateToStep<RlStepMetrics>(metricsFile, start);
  await truncateToStep(join(out, 'rollouts.jsonl'), start);
  // A fixed question order per seed; step k takes the k-th slice (wrapping around), so a resumed run draws the same batches.
  const order = new Random(config.seed, 'rl-questions').shuffle(pool);
  for (let step = start + 1; step <= config.steps; step++) {
    const batch = Array.from({ length: config.batchSize }, (_, i) => order[((step - 1) * config.batchSize + i) % order.length] as TrainingQuestion);
    const { metrics, rollouts } = await trainer.trainStep(batch);
    history.push(metrics);
    await appendJsonl(metricsFile, [metrics]);
    await appendJsonl(join(out, 'rollouts.jsonl'), rollouts.map((r) => rolloutLine(step, r)));
    await saveCheckpoint(root, { lm, ...(valueHead ? { valueHead } : {}), actorOptimizer: trainer.actorOptimizer, criticOptimizer: trainer.criticOptimizer, step, config });
    options.onProgress?.({ phase: 'rl', step, steps: config.steps, metrics });
  }
  trainer.dispose();
  lm.dispose();
  reference?.dispose();
  valueHead?.dispose();
  return { history, resumedAt: start };
}

/** Keeps the lines of a step log whose `step` is at most `step` (none for 0), rewriting the file; returns them. */
async function truncateToStep<T extends { step: number }>(file: string, step: number): Promise<T[]> {
  const lines = await readFile(file, 'utf8').then((text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T), () => undefined);
  if (lines === undefined) return [];
  const kept = lines.filter((l) => l.step <= step);
  if (kept.length === 0) await rm(file, { force: true });
  else if (kept.length < lines.length) await writeJsonl(file, kept);
  return kept;
}

/** One line per rollout: what the searcher did and what it earned (tokens left out). */
function rolloutLine(step: number, r: Rollout): Record<string, unknown> {
  return { step, questionId: r.questionId, type: r.type, sample: r.sample, reward: r.reward, genAcc: r.detail.genAcc, ragGenAcc: r.detail.ragGenAcc, answer: r.detail.answer, outputs: r.trajectory.turns.map((t) => t.output), documents: r.trajectory.counts.documents };
}

async function exportSearcher(checkpoint: string, dir: string, tokenizerDir: string, method: LabMethod, search: SearchSettings): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const file of ['config.json', 'model.safetensors']) await copyFile(join(checkpoint, file), join(dir, file));
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(tokenizerDir, file), join(dir, file));
  await writeLabSearcherInfo(dir, { method, preset: resolvePreset(search.preset).name, initialDocs: search.initialDocs ?? LAB_SCALE.initialDocs, selection: search.selection ?? true });
}

/** Most worker threads that evaluate the RL searcher (the lab machine has two cores). */
const EVAL_WORKERS = 2;

type Scored = Pick<EvalRecord, 'genAcc' | 'gbr' | 'documents' | 'searches'> & Partial<Pick<EvalRecord, 'ownAnswer' | 'ragGenAcc'>> & { type?: string };

function scoresOf(method: string, rows: readonly Scored[]): MethodScores {
  const scores: MethodScores = { method, genAcc: percentByType(rows, (r) => r.genAcc), gbr: percentByType(rows, (r) => r.gbr ?? 0), documents: rows.reduce((n, r) => n + r.documents, 0) / Math.max(1, rows.length), searches: rows.reduce((n, r) => n + (r.searches ?? 0), 0) / Math.max(1, rows.length) };
  if (rows.some((r) => r.ownAnswer !== undefined)) scores.endToEnd = { genAcc: percentByType(rows, (r) => endToEndScores(r).genAcc), gbr: percentByType(rows, (r) => endToEndScores(r).gbr ?? 0) };
  return scores;
}

/** A checkpoint's point of the learning curve from its evaluation records. */
function curvePoint(step: number, config: RlConfig, rows: readonly EvalRecord[]): CurvePoint {
  const own = rows.some((r) => r.ownAnswer !== undefined) ? { endToEnd: meanInterval(rows.map((r) => endToEndScores(r).genAcc), config.seed) } : {};
  return { step, questions: step * config.batchSize, genAcc: meanInterval(rows.map((r) => r.genAcc), config.seed), gbr: 100 * rows.reduce((n, r) => n + (r.gbr ?? 0), 0) / Math.max(1, rows.length), ...own };
}
