/**
 * What PPO (ppo.ts) and GRPO (grpo.ts) share around their own advantages and losses: the trainer's
 * interface and options, one batch of rollouts scored without gradient, and the step's metrics.
 *
 * A batch is scored in two overlapping halves: the frozen generator answers the rollouts (the
 * reward; a worker thread with `workerChatModel`) while this thread computes log π_old, log π_ref
 * and the critic's values, which need only the rollouts' tokens. On the CPU the rollouts are sampled
 * with an ONNX Runtime copy of the policy (`inferenceCopy`), which also scores log π_old, and a copy
 * of the reference scores log π_ref; the critic's values (PPO) need the tfjs policy's hidden states.
 */
import { OnnxCausalLM, type TransformerLM } from '../models/lm/index.js';
import { ScaledAdam } from '../models/tfjs/adam.js';
import { tf } from '../models/tfjs/index.js';
import type { TextTokenizer } from '../models/tokenizer/index.js';
import { actionForward } from './action-forward.js';
import { GradientPool } from './gradient-pool.js';
import type { UpdateMetrics } from './update.js';
import type { RlConfig } from './config.js';
import { microBatches } from './micro-batches.js';
import { inferenceCopy, rewardRollouts, sampleRollouts, type Rollout, type RolloutReward, type RolloutLoop, type SampledRollout, type TrainingQuestion } from './rollouts.js';
import type { ValueHead } from './value-head.js';

export interface RlStepMetrics extends UpdateMetrics {
  step: number;
  /** Mean reward, and its parts (GenAcc: 0 when the reward has none, as DeepRetrieval's recall). */
  reward: number;
  gbr: number;
  genAcc: number;
  ragGenAcc: number;
  /** Mean per-token KL of the sampling policy to the reference (log π_old − log π_ref). */
  kl: number;
  /** Searcher tokens per rollout, turns, searches and documents given to the generator. */
  responseLength: number;
  turns: number;
  searches: number;
  documents: number;
  rollouts: number;
  /** Rollouts left out of the update (no action token: every turn's context was too long). */
  skipped: number;
  seconds: { search: number; reward: number; forward: number; update: number; total: number };
}

/** What one training step gives back: its metrics, and its rollouts in question order. */
export interface StepResult {
  metrics: RlStepMetrics;
  rollouts: Rollout[];
}

export type { UpdateMetrics } from './update.js';

export interface SearcherTrainerOptions {
  lm: TransformerLM;
  /** The frozen reference policy (the warm start); needed when klCoef or klLossCoef > 0. */
  reference?: TransformerLM;
  /** The critic (PPO). */
  valueHead?: ValueHead;
  tokenizer: TextTokenizer;
  /** GBR with the frozen generator (`GenerationReward`) in a real run. */
  reward: RolloutReward;
  /** s3's search settings, or another method's loop (`labPolicyLoop`). */
  search: RolloutLoop;
  config: RlConfig;
  /** Token used for padding. */
  padId: number;
  /** Steps already done (a resumed run). Default 0. */
  step?: number;
  /**
   * Worker threads that share the update's micro-batches with this one (`GradientPool`); 0, the
   * default, computes every gradient here. One per spare core makes an update on WASM that much faster.
   */
  gradientWorkers?: number;
  /** ONNX Runtime's intra-op threads for the step's inference copies (default: every core). */
  threads?: number;
}

/**
 * The searcher's RL trainer, PPO (ppo.ts) or GRPO (grpo.ts): `createSearcherTrainer` picks one by
 * `config.algorithm`. One `trainStep` is one batch of rollouts and the updates on it.
 */
export interface SearcherTrainer {
  readonly algorithm: RlConfig['algorithm'];
  readonly config: RlConfig;
  /** Adam of the policy. */
  readonly actorOptimizer: ScaledAdam;
  /** Adam of the value head: PPO steps it; GRPO has no critic but keeps one, so every checkpoint holds both optimizers. */
  readonly criticOptimizer: ScaledAdam;
  /** Steps done. */
  step: number;
  /** One batch: rollouts of `questions`, the reward, the updates; the rollouts come back in question order. */
  trainStep(questions: readonly TrainingQuestion[]): Promise<StepResult>;
  dispose(): void;
}

/**
 * What every searcher trainer holds: the configuration, Adam for the policy and for the critic, and
 * the steps done; a subclass writes `trainStep` (its algorithm) and ends it with {@link finishStep}.
 *
 * @example
 * ```ts
 * const trainer: SearcherTrainerBase = new GrpoTrainer({ lm, reference, tokenizer, reward, search, config: rlConfig('lab'), padId });
 * await trainer.trainStep(questions); // trainer.step is 1 now
 * ```
 */
export abstract class SearcherTrainerBase implements SearcherTrainer {
  abstract readonly algorithm: RlConfig['algorithm'];
  readonly config: RlConfig;
  readonly actorOptimizer: ScaledAdam;
  readonly criticOptimizer: ScaledAdam;
  step: number;

  constructor(protected readonly options: SearcherTrainerOptions, who: string) {
    this.config = options.config;
    const c = this.config;
    if ((c.klCoef > 0 || c.klLossCoef > 0) && !options.reference) throw new Error(`${who}: a KL coefficient is set but no reference policy was given`);
    this.actorOptimizer = new ScaledAdam(c.actorLearningRate);
    this.criticOptimizer = new ScaledAdam(c.criticLearningRate);
    this.step = options.step ?? 0;
  }

  abstract trainStep(questions: readonly TrainingQuestion[]): Promise<StepResult>;

  /** The step's updates (timed), then the step counted and its metrics; `started`: when the step began. */
  protected async finishStep(step: number, batch: ScoredBatch, started: number, update: () => Promise<UpdateMetrics>): Promise<StepResult> {
    const updateStarted = performance.now();
    const updated = await update();
    const updateSeconds = (performance.now() - updateStarted) / 1000;
    this.step = step;
    return { metrics: stepMetrics(step, batch, updated, { reference: this.options.reference !== undefined, updateSeconds, started }), rollouts: batch.rollouts };
  }

  /** The pool the updates compute gradients with, started on first use. */
  protected gradientPool(): Promise<GradientPool> {
    const { lm, valueHead, config, padId } = this.options;
    this.pool ??= GradientPool.start({ lm, ...(this.algorithm === 'ppo' && valueHead ? { valueHead } : {}), algorithm: this.algorithm, config, padId, workers: this.options.gradientWorkers ?? 0 });
    return this.pool;
  }

  private pool: Promise<GradientPool> | undefined;

  dispose(): void {
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    void this.pool?.then((pool) => pool.dispose(), () => undefined);
  }
}

/** A rollout with log π_old and log π_ref of its action tokens, and the critic's values there (empty without a critic). */
export interface ScoredRollout {
  rollout: Rollout;
  old: number[];
  ref: number[];
  values: number[];
}

export interface ScoredBatch {
  /** Every rollout, in question order (samples of a question together). */
  rollouts: Rollout[];
  /** The rollouts with an action token, in micro-batch order (longest first): advantages and mini-batches are taken in this order. */
  scored: ScoredRollout[];
  seconds: { search: number; reward: number; forward: number };
}

/**
 * Step `step`'s rollouts of `questions` (samplesPerQuestion each), their rewards, and log π_old,
 * log π_ref and, with a `valueHead`, the critic's values (no gradient). The sampling seed is a
 * function of (seed, step), so a resumed run samples what the uninterrupted run would have.
 *
 * @example
 * ```ts
 * const batch = await scoreBatch(options, questions, 1, options.valueHead);
 * batch.scored[0].old; // log π_old of the longest rollout's action tokens
 * ```
 */
export async function scoreBatch(options: SearcherTrainerOptions, questions: readonly TrainingQuestion[], step: number, valueHead: ValueHead | undefined): Promise<ScoredBatch> {
  const c = options.config;
  const sampler = await inferenceCopy(options.lm, options.threads);
  try {
    const sampled = await sampleRollouts({
      lm: options.lm, sampler: sampler.model, tokenizer: options.tokenizer, questions, samplesPerQuestion: c.samplesPerQuestion,
      search: options.search, sampling: { temperature: c.temperature, maxTokens: c.maxResponseTokens, seed: c.seed * 100_003 + step * 101 },
    });
    // The reward and the log-probabilities need only the rollouts, not each other: with the generator
    // in a worker thread (workerChatModel) it answers while this thread computes them.
    const rewardStarted = performance.now();
    let rewardSeconds = 0;
    const rewarding = rewardRollouts(options.reward, sampled.rollouts).then((scoredRollouts) => {
      rewardSeconds = (performance.now() - rewardStarted) / 1000;
      return scoredRollouts;
    });
    rewarding.catch(() => undefined);
    const usableIndices = sampled.rollouts.flatMap((r, i) => (r.actionMask.includes(1) ? [i] : []));
    const forwardStarted = performance.now();
    const usable = usableIndices.map((i) => sampled.rollouts[i] as SampledRollout);
    const logProbs = sampler.model instanceof OnnxCausalLM && valueHead === undefined
      ? await scoreOnCopies(usable, sampler.model, options.reference)
      : await scoreLogProbs(usable, options, valueHead);
    const forwardSeconds = (performance.now() - forwardStarted) / 1000;
    const rollouts = await rewarding;
    // In micro-batch order (longest first), the order the updates' mini-batches are drawn from.
    const lengthOf = (j: number): number => (usable[j] as SampledRollout).tokens.length;
    const positions = microBatches(usableIndices.map((_, j) => j), c.microBatchSize, c.microBatchTokens, lengthOf).flat();
    const scored = positions.map((j): ScoredRollout => ({ rollout: rollouts[usableIndices[j] as number] as Rollout, ...(logProbs[j] as LogProbs) }));
    return { rollouts, scored, seconds: { search: sampled.seconds, reward: rewardSeconds, forward: forwardSeconds } };
  } finally {
    sampler.dispose();
  }
}

type LogProbs = Omit<ScoredRollout, 'rollout'>;

/** Log-probabilities under the sampling and reference policies, and the critic's values (no gradient), in the rollouts' order. */
async function scoreLogProbs(rollouts: readonly SampledRollout[], options: SearcherTrainerOptions, valueHead: ValueHead | undefined): Promise<LogProbs[]> {
  const { lm, reference, padId, config } = options;
  const out = new Array<LogProbs>(rollouts.length);
  // Micro-batches group rollouts by length; each result goes back to its rollout's place.
  const indexed = rollouts.map((rollout, index) => ({ rollout, index }));
  for (const chunk of microBatches(indexed, config.microBatchSize, config.microBatchTokens, (r) => r.rollout.tokens.length)) {
    const rows = chunk.map((c) => c.rollout);
    const now = actionForward(lm, rows, padId, valueHead, { entropy: false });
    const old = split(await now.logProbs.array(), now.counts);
    const values = now.values ? split(await now.values.array(), now.counts) : chunk.map(() => []);
    tf.dispose([now.logProbs, now.values]);
    let ref = old;
    if (reference) {
      const r = actionForward(reference, rows, padId, undefined, { entropy: false });
      ref = split(await r.logProbs.array(), r.counts);
      r.logProbs.dispose();
    }
    chunk.forEach(({ index }, j) => { out[index] = { old: old[j] as number[], ref: ref[j] as number[], values: values[j] as number[] }; });
  }
  return out;
}

/**
 * log π_old with the ONNX Runtime copy the rollouts were sampled from (the same weights) and log
 * π_ref with a copy of the reference, no critic: without a gradient, the copies score a batch several
 * times faster than tfjs on WASM. The update's log π (tfjs) then differs from log π_old by rounding
 * alone (~1e-5), so the first ratios are 1 within that.
 */
async function scoreOnCopies(rollouts: readonly SampledRollout[], policy: OnnxCausalLM, reference: TransformerLM | undefined): Promise<LogProbs[]> {
  const referenceCopy = reference ? await inferenceCopy(reference, policy.threads) : undefined;
  try {
    const out: LogProbs[] = [];
    for (const rollout of rollouts) {
      const targets = rollout.actionMask.flatMap((m, t) => (m === 1 ? [t] : []));
      const old = await policy.tokenLogProbs(rollout.tokens, targets);
      const ref = referenceCopy ? await (referenceCopy.model as OnnxCausalLM).tokenLogProbs(rollout.tokens, targets) : old;
      out.push({ old, ref, values: [] });
    }
    return out;
  } finally {
    referenceCopy?.dispose();
  }
}

/** A flat list cut into rows of the given lengths. */
function split(values: readonly number[], counts: readonly number[]): number[][] {
  const rows: number[][] = [];
  let at = 0;
  for (const n of counts) {
    rows.push(values.slice(at, at + n));
    at += n;
  }
  return rows;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * A step's metrics: the batch's rewards and searches, the KL of the sampling policy to the
 * reference (0 without a reference policy), the update's means, and the wall time of each phase
 * (`started`: when the step began).
 *
 * @example
 * ```ts
 * const metrics = stepMetrics(step, batch, update, { reference: true, updateSeconds: 12.5, started });
 * metrics.skipped; // rollouts left out of the update
 * ```
 */
export function stepMetrics(step: number, batch: ScoredBatch, update: UpdateMetrics, context: { reference: boolean; updateSeconds: number; started: number }): RlStepMetrics {
  const { rollouts, scored } = batch;
  const details = rollouts.map((r) => r.detail);
  const allOld = scored.flatMap((s) => s.old);
  const allRef = scored.flatMap((s) => s.ref);
  return {
    step,
    reward: mean(rollouts.map((r) => r.reward)),
    gbr: mean(details.map((d) => d.gbr ?? 0)),
    genAcc: mean(details.flatMap((d) => (d.genAcc === null ? [] : [d.genAcc]))),
    ragGenAcc: mean(details.map((d) => d.ragGenAcc ?? 0)),
    kl: context.reference ? mean(allOld.map((o, i) => o - (allRef[i] as number))) : 0,
    ...update,
    responseLength: mean(rollouts.map((r) => r.actionMask.reduce((a, b) => a + b, 0))),
    turns: mean(rollouts.map((r) => r.trajectory.counts.turns)),
    searches: mean(rollouts.map((r) => r.trajectory.counts.searches)),
    documents: mean(rollouts.map((r) => r.trajectory.counts.documents)),
    rollouts: rollouts.length,
    skipped: rollouts.length - scored.length,
    seconds: { ...batch.seconds, update: context.updateSeconds, total: (performance.now() - context.started) / 1000 },
  };
}
