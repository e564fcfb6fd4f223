/**
 * Supervised fine-tuning (behaviour cloning): maximise the likelihood of demonstration
 * completions given their prompts, the loss masked to the completion tokens. Used to warm-start
 * the searcher from scripted trajectories and to train the lab generator.
 *
 * Hyperparameters at the top of the options; one step = one optimizer update over
 * `batchSize × gradientAccumulation` examples, gradients clipped by global norm.
 */
import { z } from 'zod';
import { Random } from '../core/random.js';
import type { TransformerLM } from '../models/lm/index.js';
import { actionForward } from './action-forward.js';
import { tf } from '../models/tfjs/index.js';
import { accumulateGradients, globalNormScale } from './gradients.js';
import { ScaledAdam } from '../models/tfjs/adam.js';

/** One demonstration: the tokens the model is given and the tokens it should produce. */
export interface SftExample {
  prompt: number[];
  completion: number[];
  /**
   * 1 where a completion token is trained on, 0 where it is context (default: all 1). A multi-turn
   * searcher transcript is one completion whose `<information>` blocks are 0: state, not action.
   */
  completionMask?: number[];
}

export interface SftOptions {
  /** Optimizer updates to run. */
  steps: number;
  /** Examples per micro-batch. Default 8. */
  batchSize?: number;
  /** Micro-batches per update. Default 1. */
  gradientAccumulation?: number;
  /** Adam learning rate. Default 1e-3 (small models from scratch; use ~1e-5 for pretrained ones). */
  learningRate?: number;
  /** Linear warm-up steps. Default 0. */
  warmupSteps?: number;
  /** After warm-up, `constant` keeps the learning rate; `cosine` decays it to a tenth by the last step. Default constant. */
  schedule?: 'constant' | 'cosine';
  /** Global-norm gradient clipping. Default 1. */
  clipNorm?: number;
  /** Seed of the example order. Default 0. */
  seed?: number;
  /** Token used for left padding. */
  padId: number;
  /** Called after every update. */
  onStep?: (metrics: SftStepMetrics) => void;
  /**
   * Pad each batch's width up to a multiple of this (default 1). On WebGPU, tfjs keeps freed buffers
   * in pools by size, so batches of ever-new widths grow GPU memory without bound; a few widths do not.
   */
  padMultiple?: number;
  /** Stop after the update that passes this time (ms since the epoch), if given. */
  deadline?: number;
  /**
   * Batch examples of similar length (default true): draw 32 batches' worth at random, sort them by
   * length, cut them into batches and visit those in random order. Padding then costs little even
   * where lengths vary a lot; every example is still seen once per epoch.
   */
  groupByLength?: boolean;
}

export interface SftStepMetrics {
  step: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  /** Completion (trained) tokens in the update. */
  tokens: number;
  /** All tokens the update ran the model over, prompts included, padding not. */
  inputTokens: number;
  seconds: number;
}

const optionsSchema = z.object({
  steps: z.number().int().min(1),
  batchSize: z.number().int().min(1).default(8),
  gradientAccumulation: z.number().int().min(1).default(1),
  learningRate: z.number().positive().default(1e-3),
  warmupSteps: z.number().int().min(0).default(0),
  schedule: z.enum(['constant', 'cosine']).default('constant'),
  clipNorm: z.number().positive().default(1),
  seed: z.number().int().default(0),
  padId: z.number().int().min(0),
  padMultiple: z.number().int().min(1).default(1),
  deadline: z.number().optional(),
  groupByLength: z.boolean().default(true),
});

const GROUPED_BATCHES = 32;

/**
 * Trains `lm` in place on `examples` and returns the metrics of every step.
 *
 * @example
 * ```ts
 * import { createCausalLM, trainSft } from '@s3lab/toolkit';
 * const lm = await createCausalLM({ model_type: 'gpt2', vocab_size: 32, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 32 });
 * const history = await trainSft(lm, [{ prompt: [1, 2], completion: [3, 4] }], { steps: 20, padId: 0 });
 * console.log(history.at(-1)?.loss);
 * ```
 */
export async function trainSft(lm: TransformerLM, examples: readonly SftExample[], options: SftOptions): Promise<SftStepMetrics[]> {
  const o = optionsSchema.parse(options);
  if (examples.length === 0) throw new Error('trainSft: no examples');
  examples.forEach((e, i) => {
    if (e.completion.length === 0) throw new Error(`trainSft: example ${i} has an empty completion`);
    if (e.completionMask !== undefined && (e.completionMask.length !== e.completion.length || !e.completionMask.includes(1))) throw new Error(`trainSft: example ${i} has a completionMask of ${e.completionMask.length} entries (${e.completion.length} expected) or none set to 1`);
    if (e.prompt.length + e.completion.length > lm.maxPositions) throw new Error(`trainSft: example ${i} has ${e.prompt.length + e.completion.length} tokens; the model takes ${lm.maxPositions}`);
  });
  const random = new Random(o.seed, 'sft-order');
  let order: number[] = [];
  let batches: SftExample[][] = [];
  const nextExample = (): SftExample => {
    if (order.length === 0) order = random.shuffle(examples.map((_, i) => i));
    return examples[order.pop() as number] as SftExample;
  };
  const nextBatch = (size: number): SftExample[] => {
    if (!o.groupByLength) return Array.from({ length: size }, nextExample);
    if (batches.length === 0) {
      const pool = Array.from({ length: size * GROUPED_BATCHES }, nextExample);
      pool.sort((a, b) => a.prompt.length + a.completion.length - (b.prompt.length + b.completion.length));
      batches = random.shuffle(Array.from({ length: GROUPED_BATCHES }, (_, i) => pool.slice(i * size, (i + 1) * size)));
    }
    return batches.pop() as SftExample[];
  };
  const optimizer = new ScaledAdam(o.learningRate);
  const history: SftStepMetrics[] = [];
  for (let step = 1; step <= o.steps; step++) {
    const started = performance.now();
    const learningRate = learningRateAt(step, o);
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    let summed: Record<string, tf.Tensor> | undefined;
    let loss = 0;
    let tokens = 0;
    let inputTokens = 0;
    for (let micro = 0; micro < o.gradientAccumulation; micro++) {
      const batch = nextBatch(o.batchSize);
      // The loss needs logits at the trained positions only: computing them over whole prompts
      // (for a searcher, mostly retrieved text) would cost most of the step in the vocabulary head.
      const rows = batch.map((e) => ({ tokens: [...e.prompt, ...e.completion], actionMask: [...e.prompt.map(() => 0), ...(e.completionMask ?? e.completion.map(() => 1))] }));
      const longest = Math.max(...rows.map((r) => r.tokens.length));
      const width = Math.min(lm.maxPositions, Math.ceil(longest / o.padMultiple) * o.padMultiple);
      tokens += rows.reduce((n, r) => n + r.actionMask.reduce((a, b) => a + b, 0), 0);
      inputTokens += rows.reduce((n, r) => n + r.tokens.length, 0);
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
        const { logProbs } = actionForward(lm, rows, o.padId, undefined, { entropy: false, width });
        return tf.neg(tf.mean(logProbs)) as tf.Scalar;
      }), lm.variables);
      loss += (await value.data())[0] as number;
      value.dispose();
      summed = accumulateGradients(summed, grads);
    }
    const { scale, norm } = await globalNormScale(summed as Record<string, tf.Tensor>, o.clipNorm, o.gradientAccumulation);
    optimizer.applyScaledGradients(summed as Record<string, tf.Tensor>, scale);
    tf.dispose(Object.values(summed as Record<string, tf.Tensor>));
    const metrics = { step, loss: loss / o.gradientAccumulation, gradNorm: norm, learningRate, tokens, inputTokens, seconds: (performance.now() - started) / 1000 };
    history.push(metrics);
    options.onStep?.(metrics);
    if (o.deadline !== undefined && Date.now() > o.deadline) break;
  }
  optimizer.dispose();
  return history;
}

/** Linear warm-up, then constant or cosine decay to a tenth of the peak at the last step. */
function learningRateAt(step: number, o: z.infer<typeof optionsSchema>): number {
  if (step <= o.warmupSteps) return (o.learningRate * step) / o.warmupSteps;
  if (o.schedule === 'constant') return o.learningRate;
  const progress = (step - o.warmupSteps) / Math.max(1, o.steps - o.warmupSteps);
  return o.learningRate * (0.1 + 0.45 * (1 + Math.cos(Math.PI * progress)));
}
