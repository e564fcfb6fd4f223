/**
 * Data parallelism for the update: a mini-batch's micro-batches split between this thread and
 * gradient workers (worker threads, each with its own copy of the policy and, for PPO, the critic),
 * the gradients summed here. tfjs's WebAssembly backend computes on one core per thread, so this
 * is how an update uses the machine's other cores. The sum is the same sum of micro-batch
 * gradients as on one thread, in another order (floating-point rounding aside).
 *
 * Workers hold the weights of the last optimizer step: call {@link GradientPool.weightsChanged}
 * after each one.
 *
 * @example
 * ```ts
 * const pool = await GradientPool.start({ lm, algorithm: 'grpo', config, padId, workers: 1 });
 * const grads = await pool.gradients(micros, actionTokens(mini), stats, lm.variables, (micro) => grpoLoss(lm, micro, config, padId));
 * optimizer.applyScaledGradients(grads, 1);
 * await pool.weightsChanged(lm.variables);
 * ```
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/worker-thread.js';
import type { TransformerLM } from '../models/lm/index.js';
import { tf } from '../models/tfjs/index.js';
import type { ActionSequence } from './action-forward.js';
import type { RlConfig } from './config.js';
import { accumulateGradients } from './gradients.js';
import type { Gradients, MicroBatchLoss, TermSums, UpdateStats } from './update.js';
import type { ValueHead } from './value-head.js';

/** What a loss needs of a rollout, whatever the algorithm: its tokens and log π_old per action token. */
export interface PoolSample {
  rollout: ActionSequence;
  old: readonly number[];
}

export interface GradientPoolOptions {
  lm: TransformerLM;
  /** The critic (PPO); its variables follow the policy's in every variable list. */
  valueHead?: ValueHead;
  algorithm: RlConfig['algorithm'];
  config: RlConfig;
  padId: number;
  /** Worker threads besides this one (0: every micro-batch here). */
  workers: number;
}

/** Messages to a gradient worker (gradient-worker.ts) and its replies. */
export type GradientWorkerInit = { config: Readonly<Record<string, unknown>>; weights: Float32Array[]; valueHead: boolean; algorithm: RlConfig['algorithm']; rlConfig: RlConfig; padId: number };
export type GradientWorkerRequest = { kind: 'gradients'; id: number; micros: PoolSample[][]; miniTokens: number } | { kind: 'weights'; weights: Float32Array[] };
export type GradientWorkerReply = { kind: 'ready' } | { kind: 'gradients'; id: number; grads: (Float32Array | null)[]; sums: TermSums } | { kind: 'error'; id?: number; message: string };

export class GradientPool {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (reply: Extract<GradientWorkerReply, { kind: 'gradients' }>) => void; reject: (error: Error) => void }>();

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (reply: GradientWorkerReply) => {
        if (reply.kind === 'ready' || reply.id === undefined) return;
        const waiting = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (reply.kind === 'gradients') waiting?.resolve(reply);
        else waiting?.reject(new Error(`gradient worker: ${reply.message}`));
      });
      worker.on('error', (error) => this.failAll(error));
    }
  }

  /** Starts `options.workers` workers, each with a copy of the current weights. */
  static async start(options: GradientPoolOptions): Promise<GradientPool> {
    const variables = [...options.lm.variables, ...(options.valueHead?.variables ?? [])];
    // Read once; each worker gets its own copy (workerData is cloned).
    const init: GradientWorkerInit = { config: options.lm.config, weights: readWeights(variables), valueHead: options.valueHead !== undefined, algorithm: options.algorithm, rlConfig: options.config, padId: options.padId };
    const workers = Array.from({ length: Math.max(0, options.workers) }, () => {
      const worker = startModuleWorker(new URL('./gradient-worker.js', import.meta.url), init);
      // A pool nobody disposed does not keep the process alive.
      worker.unref();
      return worker;
    });
    await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
      const onMessage = (reply: GradientWorkerReply): void => {
        if (reply.kind === 'ready') resolve();
        else if (reply.kind === 'error') reject(new Error(`gradient worker failed to start: ${reply.message}`));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`gradient worker exited during start (code ${code})`)));
    })));
    return new GradientPool(workers);
  }

  /**
   * Σ over `micros` of the gradient of each micro-batch's loss × its share of the mini-batch's
   * `miniTokens` action tokens, by variable name (this thread's `variables`); the loss terms go
   * into `stats`. Micro-batches are shared out by their cost (longest first, to the least loaded).
   */
  async gradients<S extends PoolSample>(micros: readonly S[][], miniTokens: number, stats: UpdateStats, variables: tf.Variable[], localLoss: (micro: readonly S[]) => MicroBatchLoss): Promise<Gradients> {
    const shares = shareOut(micros, this.workers.length + 1);
    const remote = this.workers.map((worker, w) => {
      const share = shares[w + 1] as S[][];
      if (share.length === 0) return Promise.resolve(undefined);
      const id = this.nextId++;
      const reply = new Promise<Extract<GradientWorkerReply, { kind: 'gradients' }>>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
      const request: GradientWorkerRequest = { kind: 'gradients', id, micros: share.map((micro) => micro.map(portable)), miniTokens };
      worker.postMessage(request);
      return reply;
    });
    let summed: Gradients | undefined;
    for (const micro of shares[0] as S[][]) summed = accumulateGradients(summed, await stats.gradients(micro, miniTokens, variables, () => localLoss(micro)));
    for (const reply of await Promise.all(remote)) {
      if (reply === undefined) continue;
      stats.absorb(reply.sums);
      const grads: Gradients = {};
      reply.grads.forEach((data, i) => {
        const variable = variables[i] as tf.Variable;
        if (data !== null) grads[variable.name] = tf.tensor(data, variable.shape, 'float32');
      });
      summed = accumulateGradients(summed, grads);
    }
    return summed ?? {};
  }

  /** Sends the weights after an optimizer step to every worker. */
  async weightsChanged(variables: tf.Variable[]): Promise<void> {
    if (this.workers.length === 0) return;
    // Read once; each worker gets its own copy (messages are cloned).
    const request: GradientWorkerRequest = { kind: 'weights', weights: readWeights(variables) };
    for (const worker of this.workers) worker.postMessage(request);
  }

  async dispose(): Promise<void> {
    this.failAll(new Error('the gradient pool was disposed'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private failAll(error: Error): void {
    for (const { reject } of this.waiting.values()) reject(error);
    this.waiting.clear();
  }
}

/** Copies of the variables' values (not views into the WebAssembly heap). */
function readWeights(variables: readonly tf.Variable[]): Float32Array[] {
  return variables.map((v) => new Float32Array(v.dataSync() as Float32Array));
}

/** A sample as plain data for another thread: the rollout cut down to the tokens a loss reads. */
function portable<S extends PoolSample>(sample: S): S {
  return { ...sample, rollout: { tokens: sample.rollout.tokens, actionMask: sample.rollout.actionMask } };
}

/**
 * Micro-batches shared out among `parts` threads: longest first, each to the least loaded, the
 * load of a micro-batch being its padded tokens and the attention over them.
 */
export function shareOut<S extends PoolSample>(micros: readonly S[][], parts: number): S[][][] {
  const shares: S[][][] = Array.from({ length: parts }, () => []);
  const loads = new Array<number>(parts).fill(0);
  const cost = (micro: readonly S[]): number => {
    const width = Math.max(...micro.map((s) => s.rollout.tokens.length));
    return micro.length * width * (width + 2048);
  };
  for (const micro of [...micros].sort((a, b) => cost(b) - cost(a))) {
    const least = loads.indexOf(Math.min(...loads));
    (shares[least] as S[][]).push(micro);
    loads[least] = (loads[least] as number) + cost(micro);
  }
  return shares;
}
