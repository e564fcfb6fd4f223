/**
 * A gradient worker of `GradientPool` (gradient-pool.ts): its own copy of the policy (and the
 * critic, for PPO) on its own tfjs backend; it computes the summed gradient of the micro-batches it
 * is sent with the algorithm's loss, and takes the new weights after each optimizer step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createCausalLM } from '../models/lm/index.js';
import { tf } from '../models/tfjs/index.js';
import { accumulateGradients } from './gradients.js';
import type { GradientWorkerInit, GradientWorkerReply, GradientWorkerRequest } from './gradient-pool.js';
import { grpoLoss, type GrpoLossSample } from './grpo.js';
import { ppoLoss, type PpoLossSample } from './ppo.js';
import { UpdateStats, type Gradients, type MicroBatchLoss } from './update.js';
import { ValueHead } from './value-head.js';

const init = workerData as GradientWorkerInit;
const port = parentPort;
if (port === null) throw new Error('gradient-worker.ts runs as a worker thread of GradientPool');
const reply = (message: GradientWorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

try {
  const lm = await createCausalLM(init.config as Record<string, unknown>);
  const valueHead = init.valueHead ? new ValueHead(lm.architecture.hiddenSize) : undefined;
  const variables = [...lm.variables, ...(valueHead?.variables ?? [])];
  const assign = (weights: readonly Float32Array[]): void => {
    if (weights.length !== variables.length) throw new Error(`expected ${variables.length} weight tensors, got ${weights.length}`);
    // In a scope: the variable keeps the new data, the temporary tensor is freed.
    tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(weights[i] as Float32Array, v.shape, 'float32'))));
  };
  assign(init.weights);
  const loss = (micro: readonly unknown[]): MicroBatchLoss => (init.algorithm === 'ppo'
    ? ppoLoss(lm, valueHead as ValueHead, micro as PpoLossSample[], init.rlConfig, init.padId)
    : grpoLoss(lm, micro as GrpoLossSample[], init.rlConfig, init.padId));
  // One message at a time, in order: weights always follow the gradients they replace.
  let queue = Promise.resolve();
  port.on('message', (request: GradientWorkerRequest) => {
    queue = queue.then(async () => {
      if (request.kind === 'weights') {
        assign(request.weights);
        return;
      }
      try {
        const stats = new UpdateStats();
        let summed: Gradients | undefined;
        for (const micro of request.micros) summed = accumulateGradients(summed, await stats.gradients(micro, request.miniTokens, variables, () => loss(micro)));
        const grads = variables.map((v) => {
          const g = summed?.[v.name];
          return g === undefined ? null : new Float32Array(g.dataSync() as Float32Array);
        });
        tf.dispose(Object.values(summed ?? {}));
        reply({ kind: 'gradients', id: request.id, grads, sums: stats.termSums() }, grads.flatMap((g) => (g === null ? [] : [g.buffer as ArrayBuffer])));
      } catch (error) {
        reply({ kind: 'error', id: request.id, message: (error as Error).message });
      }
    });
  });
  reply({ kind: 'ready' });
} catch (error) {
  reply({ kind: 'error', message: (error as Error).message });
}
