/**
 * The searcher's RL trainer: PPO as the s3 paper runs it (GAE with a critic, the clipped policy
 * loss, a KL penalty against the frozen reference policy, the loss on the searcher's own tokens
 * only) and GRPO (group-relative advantages, no critic, KL as a loss). One `step()` is one batch:
 *
 *   rollouts   = the policy searches, the frozen generator answers, the reward scores   (no grad)
 *   old, ref   = log π_old and log π_ref of every action token, and the critic's values  (no grad)
 *   advantages = GAE over action tokens (PPO) | (r − group mean) / group std (GRPO)
 *   for epoch, mini-batch: Σ micro-batches of ∇(policy loss + c·value loss − β·entropy [+ KL loss])
 *                          clipped by global norm; Adam for the policy and for the value head
 *
 * Everything random is a function of (seed, step), so a run resumed from a checkpoint draws what
 * the uninterrupted run would have.
 */
import { Random } from '../core/random.js';
import type { TransformerLM } from '../models/lm/index.js';
import { tf } from '../models/tfjs/index.js';
import type { TextTokenizer } from '../models/tokenizer/index.js';
import { actionForward, type ActionSequence } from './action-forward.js';
import { gaeAdvantages, groupRelativeAdvantages, whiten } from './advantages.js';
import type { RlConfig } from './config.js';
import { accumulateGradients, globalNormScale } from './gradients.js';
import { ScaledAdam } from '../models/tfjs/adam.js';
import { clippedPolicyLoss, clippedValueLoss, klPenalty } from './losses.js';
import { rewardRollouts, sampleRollouts, type Rollout, type RolloutReward, type SampledRollout, type SearchSettings, type TrainingQuestion } from './rollouts.js';
import type { ValueHead } from './value-head.js';

export interface RlStepMetrics {
  step: number;
  /** Mean reward, and its parts. */
  reward: number;
  gbr: number;
  genAcc: number;
  ragGenAcc: number;
  /** Mean per-token KL of the sampling policy to the reference (log π_old − log π_ref). */
  kl: number;
  entropy: number;
  clipFraction: number;
  /** Mean of log π_old − log π over the updates (how far the updates moved the policy). */
  approxKl: number;
  policyLoss: number;
  valueLoss: number;
  gradNorm: number;
  /** Searcher tokens per rollout, turns, searches and documents given to the generator. */
  responseLength: number;
  turns: number;
  searches: number;
  documents: number;
  rollouts: number;
  /** Rollouts left out of the update (no action token: every turn's context was too long). */
  skipped: number;
  actorLearningRate: number;
  criticLearningRate: number;
  seconds: { search: number; reward: number; forward: number; update: number; total: number };
}

export interface SearcherTrainerOptions {
  lm: TransformerLM;
  /** The frozen reference policy (the warm start); needed when klCoef or klLossCoef > 0. */
  reference?: TransformerLM;
  /** The critic (PPO). */
  valueHead?: ValueHead;
  tokenizer: TextTokenizer;
  /** GBR with the frozen generator (`GenerationReward`) in a real run. */
  reward: RolloutReward;
  search: SearchSettings;
  config: RlConfig;
  /** Token used for padding. */
  padId: number;
  /** Steps already done (a resumed run). Default 0. */
  step?: number;
}

/** A rollout's log-probabilities under the sampling and reference policies and the critic's values, per action token. */
interface LogProbs {
  old: number[];
  ref: number[];
  values: number[];
}

interface Scored extends LogProbs {
  rollout: Rollout;
  advantages: number[];
  returns: number[];
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export class SearcherTrainer {
  readonly config: RlConfig;
  readonly actorOptimizer: ScaledAdam;
  readonly criticOptimizer: ScaledAdam;
  step: number;

  constructor(private readonly options: SearcherTrainerOptions) {
    this.config = options.config;
    if (this.config.algorithm === 'ppo' && !options.valueHead) throw new Error('SearcherTrainer: PPO needs a valueHead (the critic)');
    if ((this.config.klCoef > 0 || this.config.klLossCoef > 0) && !options.reference) throw new Error('SearcherTrainer: a KL coefficient is set but no reference policy was given');
    this.actorOptimizer = new ScaledAdam(this.config.actorLearningRate);
    this.criticOptimizer = new ScaledAdam(this.config.criticLearningRate);
    this.step = options.step ?? 0;
  }

  /** One batch of rollouts and the updates on it. */
  async trainStep(questions: readonly TrainingQuestion[]): Promise<{ metrics: RlStepMetrics; rollouts: Rollout[] }> {
    const c = this.config;
    const { lm, reference, valueHead, padId } = this.options;
    const step = this.step + 1;
    const started = performance.now();
    const sampled = await sampleRollouts({
      lm, tokenizer: this.options.tokenizer, questions, samplesPerQuestion: c.samplesPerQuestion,
      search: this.options.search, sampling: { temperature: c.temperature, maxTokens: c.maxResponseTokens, seed: c.seed * 100_003 + step * 101 },
    });
    // The reward and the log-probabilities need only the rollouts, not each other: with the generator
    // in a worker thread (workerChatModel) it answers while this thread computes them.
    const rewardStarted = performance.now();
    let rewardSeconds = 0;
    const rewarding = rewardRollouts(this.options.reward, sampled.rollouts).then((scoredRollouts) => {
      rewardSeconds = (performance.now() - rewardStarted) / 1000;
      return scoredRollouts;
    });
    rewarding.catch(() => undefined);
    const usableIndices = sampled.rollouts.flatMap((r, i) => (r.actionMask.includes(1) ? [i] : []));
    const forwardStarted = performance.now();
    const logProbs = await this.score(usableIndices.map((i) => sampled.rollouts[i] as SampledRollout), lm, reference, valueHead, padId);
    const forwardSeconds = (performance.now() - forwardStarted) / 1000;
    const rollouts = await rewarding;
    // In micro-batch order (longest first), the order the updates' mini-batches are drawn from.
    const lengthOf = (j: number): number => (sampled.rollouts[usableIndices[j] as number] as SampledRollout).tokens.length;
    const positions = microBatches(usableIndices.map((_, j) => j), c.microBatchSize, c.microBatchTokens, lengthOf).flat();
    const scored: Scored[] = positions.map((j) => ({ rollout: rollouts[usableIndices[j] as number] as Rollout, ...(logProbs[j] as LogProbs), advantages: [], returns: [] }));
    const usable = scored.map((s) => s.rollout);
    this.assignAdvantages(scored);
    const seconds = { search: sampled.seconds, reward: rewardSeconds };

    const updateStarted = performance.now();
    const update = await this.update(scored, step);
    const updateSeconds = (performance.now() - updateStarted) / 1000;
    this.step = step;

    const details = rollouts.map((r) => r.detail);
    const allOld = scored.flatMap((s) => s.old);
    const allRef = scored.flatMap((s) => s.ref);
    const metrics: RlStepMetrics = {
      step,
      reward: mean(rollouts.map((r) => r.reward)),
      gbr: mean(details.map((d) => d.gbr ?? 0)),
      genAcc: mean(details.map((d) => d.genAcc)),
      ragGenAcc: mean(details.map((d) => d.ragGenAcc ?? 0)),
      kl: reference ? mean(allOld.map((o, i) => o - (allRef[i] as number))) : 0,
      ...update,
      responseLength: mean(rollouts.map((r) => r.actionMask.reduce((a, b) => a + b, 0))),
      turns: mean(rollouts.map((r) => r.trajectory.counts.turns)),
      searches: mean(rollouts.map((r) => r.trajectory.counts.searches)),
      documents: mean(rollouts.map((r) => r.trajectory.counts.documents)),
      rollouts: rollouts.length,
      skipped: rollouts.length - usable.length,
      seconds: { search: seconds.search, reward: seconds.reward, forward: forwardSeconds, update: updateSeconds, total: (performance.now() - started) / 1000 },
    };
    return { metrics, rollouts };
  }

  /** Log-probabilities under the sampling and reference policies, and the critic's values (no gradient), in the rollouts' order. */
  private async score(rollouts: readonly SampledRollout[], lm: TransformerLM, reference: TransformerLM | undefined, valueHead: ValueHead | undefined, padId: number): Promise<LogProbs[]> {
    const out = new Array<LogProbs>(rollouts.length);
    // Micro-batches group rollouts by length; each result goes back to its rollout's place.
    const indexed = rollouts.map((rollout, index) => ({ rollout, index }));
    for (const chunk of microBatches(indexed, this.config.microBatchSize, this.config.microBatchTokens, (r) => r.rollout.tokens.length)) {
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

  private assignAdvantages(scored: Scored[]): void {
    const c = this.config;
    if (c.algorithm === 'grpo') {
      const advantages = groupRelativeAdvantages(scored.map((s) => s.rollout.reward), scored.map((s) => s.rollout.questionId));
      scored.forEach((s, i) => {
        s.advantages = s.old.map(() => advantages[i] as number);
        s.returns = s.advantages;
      });
      return;
    }
    // PPO: the KL penalty on every action token, the reward on the last one (verl's token_level_rewards).
    const tokenRewards = scored.map((s) => s.old.map((o, t) => -c.klCoef * (o - (s.ref[t] as number)) + (t === s.old.length - 1 ? s.rollout.reward : 0)));
    const { advantages, returns } = gaeAdvantages(tokenRewards, scored.map((s) => s.values), { gamma: c.gamma, lambda: c.lambda });
    const whitened = whiten(advantages);
    scored.forEach((s, i) => {
      s.advantages = whitened[i] as number[];
      s.returns = returns[i] as number[];
    });
  }

  private async update(scored: readonly Scored[], step: number): Promise<Pick<RlStepMetrics, 'entropy' | 'clipFraction' | 'approxKl' | 'policyLoss' | 'valueLoss' | 'gradNorm' | 'actorLearningRate' | 'criticLearningRate'>> {
    const c = this.config;
    const { lm, valueHead, padId } = this.options;
    const criticLearningRate = c.criticWarmupRatio > 0 ? c.criticLearningRate * Math.min(1, step / Math.max(1, Math.ceil(c.criticWarmupRatio * c.steps))) : c.criticLearningRate;
    (this.criticOptimizer as unknown as { learningRate: number }).learningRate = criticLearningRate;
    const sums = { entropy: 0, clipFraction: 0, approxKl: 0, policyLoss: 0, valueLoss: 0, tokens: 0, gradNorm: 0, updates: 0 };
    if (scored.length === 0) return { entropy: 0, clipFraction: 0, approxKl: 0, policyLoss: 0, valueLoss: 0, gradNorm: 0, actorLearningRate: c.actorLearningRate, criticLearningRate };
    const random = new Random(c.seed * 7919 + step, 'ppo-mini-batches');
    const actorVariables = lm.variables;
    const criticVariables = c.algorithm === 'ppo' && valueHead ? valueHead.variables : [];
    for (let epoch = 0; epoch < c.ppoEpochs; epoch++) {
      const order = random.shuffle(scored.map((_, i) => i));
      for (let m = 0; m < order.length; m += c.miniBatchSize) {
        const mini = order.slice(m, m + c.miniBatchSize).map((i) => scored[i] as Scored);
        const miniTokens = mini.reduce((n, s) => n + s.old.length, 0);
        let summed: Record<string, tf.Tensor> | undefined;
        for (const micro of microBatches(mini, c.microBatchSize, c.microBatchTokens, (s) => s.rollout.tokens.length)) {
          const weight = micro.reduce((n, s) => n + s.old.length, 0) / miniTokens;
          const parts: Record<string, tf.Scalar> = {};
          const { value, grads } = tf.variableGrads(() => {
            const f = actionForward(lm, micro.map((s) => s.rollout as ActionSequence), padId, c.algorithm === 'ppo' ? valueHead : undefined);
            const ones = tf.onesLike(f.logProbs);
            const old = tf.tensor1d(micro.flatMap((s) => s.old));
            const policy = clippedPolicyLoss({ logProbs: f.logProbs, oldLogProbs: old, advantages: tf.tensor1d(micro.flatMap((s) => s.advantages)), mask: ones, clipRatio: c.clipRatio });
            const entropy = tf.mean(f.entropy as tf.Tensor1D) as tf.Scalar;
            let loss = tf.sub(policy.loss, tf.mul(c.entropyCoef, entropy));
            if (f.values) {
              const valueLoss = clippedValueLoss({ values: f.values, oldValues: tf.tensor1d(micro.flatMap((s) => s.values)), returns: tf.tensor1d(micro.flatMap((s) => s.returns)), mask: ones, clipRange: c.valueClipRange });
              loss = tf.add(loss, tf.mul(c.valueLossCoef, valueLoss.loss));
              parts.valueLoss = tf.keep(valueLoss.loss);
            }
            if (c.klLossCoef > 0) loss = tf.add(loss, tf.mul(c.klLossCoef, tf.mean(klPenalty(f.logProbs, tf.tensor1d(micro.flatMap((s) => s.ref)), 'low_var_kl'))));
            parts.policyLoss = tf.keep(policy.loss);
            parts.clipFraction = tf.keep(policy.clipFraction);
            parts.approxKl = tf.keep(policy.approxKl);
            parts.entropy = tf.keep(entropy);
            return tf.mul(loss, weight) as tf.Scalar;
          }, [...actorVariables, ...criticVariables]);
          value.dispose();
          const tokens = micro.reduce((n, s) => n + s.old.length, 0);
          for (const [name, t] of Object.entries(parts)) {
            sums[name as 'entropy'] += ((await t.data())[0] as number) * tokens;
            t.dispose();
          }
          sums.tokens += tokens;
          summed = accumulateGradients(summed, grads);
        }
        const all = summed as Record<string, tf.Tensor>;
        const criticNames = new Set(criticVariables.map((v) => v.name));
        const actorGrads = Object.fromEntries(Object.entries(all).filter(([name]) => !criticNames.has(name)));
        const criticGrads = Object.fromEntries(Object.entries(all).filter(([name]) => criticNames.has(name)));
        const { scale, norm } = await globalNormScale(actorGrads, c.gradClip, 1);
        this.actorOptimizer.applyScaledGradients(actorGrads, scale);
        if (Object.keys(criticGrads).length > 0) {
          const critic = await globalNormScale(criticGrads, c.gradClip, 1);
          this.criticOptimizer.applyScaledGradients(criticGrads, critic.scale);
        }
        tf.dispose(Object.values(all));
        sums.gradNorm += norm;
        sums.updates++;
      }
    }
    const per = (x: number): number => x / Math.max(1, sums.tokens);
    return {
      entropy: per(sums.entropy), clipFraction: per(sums.clipFraction), approxKl: per(sums.approxKl), policyLoss: per(sums.policyLoss), valueLoss: per(sums.valueLoss),
      gradNorm: sums.gradNorm / Math.max(1, sums.updates), actorLearningRate: c.actorLearningRate, criticLearningRate,
    };
  }

  dispose(): void {
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
  }
}

/**
 * Items grouped for forward passes: at most `maxCount` per group and, where it can be kept, at most
 * `maxTokens` padded tokens (count × longest); an item longer than `maxTokens` goes alone. Longest
 * first, so each group's padding is small.
 *
 * @example
 * ```ts
 * microBatches([5, 100, 7, 90], 2, 200, (n) => n); // [[100, 90], [7, 5]]
 * ```
 */
export function microBatches<T>(items: readonly T[], maxCount: number, maxTokens: number, length: (item: T) => number): T[][] {
  const sorted = [...items].sort((a, b) => length(b) - length(a));
  const groups: T[][] = [];
  for (const item of sorted) {
    const group = groups.at(-1);
    // Sorted longest first, so the group's first item sets its width.
    if (group && group.length < maxCount && (group.length + 1) * length(group[0] as T) <= maxTokens) group.push(item);
    else groups.push([item]);
  }
  return groups;
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
