// The fused transformer kernels (RMSNorm, SwiGLU, rotary embedding, masked softmax, token
// log-probabilities, the embedding's segment-sum gradient) against tfjs's unfused ops:
// - everywhere: each op's twin (the same forward and backward formulas as tfjs ops, on the CPU
//   backend) against autodiff of the unfused op, values and gradients;
// - where Dawn finds a WebGPU adapter (a GPU, or Mesa's lavapipe, a Vulkan driver on the CPU:
//   apt-get install -t bookworm-backports mesa-vulkan-drivers), the WGSL kernels themselves against
//   the unfused ops on the same backend, a whole Qwen-shaped model's loss and gradients, and the
//   number of kernels a training step dispatches.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  createCausalLM, resolveDevice, ScaledAdam, fusedMaskedSoftmax, fusedRmsNorm, fusedRope, fusedSwiglu, maskedNll, padSequences, positionsById,
  setFusedKernels, sumOfSquares, targetLogProbs, useTfjsBackend,
} from '@s3lab/toolkit';
import { findGpuAdapter } from '../../toolkit/src/models/tfjs/device.js';
import { applyRope, splitHeads } from '../../toolkit/src/models/lm/layers.js';
import { segmentSumRows } from '../../toolkit/src/models/tfjs/fused/embedding-gradient.js';
import { countDispatches } from '../../toolkit/src/models/tfjs/fused/program.js';

type Tf = Awaited<ReturnType<typeof useTfjsBackend>>;
type Tensor = ReturnType<Tf['tensor']>;

const LAVAPIPE = '/usr/share/vulkan/icd.d/lvp_icd.json';
if (process.env.VK_DRIVER_FILES === undefined && existsSync(LAVAPIPE)) process.env.VK_DRIVER_FILES = LAVAPIPE;
const adapter = (await findGpuAdapter()).adapter;
const noGpu = adapter === undefined ? 'no WebGPU adapter here (install mesa-vulkan-drivers from bookworm-backports to run the WGSL kernels on the CPU)' : false;

/** Seeded values in [-scale, scale). */
function values(n: number, seed: number, scale = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 * 2 - 1) * scale;
  });
}

async function maxDiff(a: Tensor, b: Tensor): Promise<number> {
  assert.deepEqual(a.shape, b.shape);
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  return worst;
}

/** Each op's value and gradients (under a random upstream gradient) by the fused op and the reference. */
async function compareOp(tf: Tf, inputs: Tensor[], fused: (...x: Tensor[]) => Tensor, reference: (...x: Tensor[]) => Tensor, seed: number): Promise<{ value: number; grads: number[] }> {
  const out = fused(...inputs);
  const weights = tf.tensor(values(out.size, seed), out.shape);
  const loss = (f: (...x: Tensor[]) => Tensor) => (...x: Tensor[]) => tf.sum(tf.mul(f(...x), weights));
  const value = await maxDiff(out, reference(...inputs));
  const ours = tf.grads(loss(fused))(inputs);
  const theirs = tf.grads(loss(reference))(inputs);
  const grads = [];
  for (let i = 0; i < inputs.length; i++) grads.push(await maxDiff(ours[i] as Tensor, theirs[i] as Tensor));
  return { value, grads };
}

const rmsReference = (tf: Tf, eps: number) => (x: Tensor, w: Tensor) => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), w);
const swigluReference = (tf: Tf) => (g: Tensor, u: Tensor) => tf.mul(tf.mul(g, tf.sigmoid(g)), u);
const softmaxReference = (tf: Tf, scale: number) => (s: Tensor, m: Tensor) => tf.softmax(tf.add(tf.mul(s, scale), m));
const logProbReference = (tf: Tf, targets: Tensor, vocab: number) => (x: Tensor) => tf.sum(tf.mul(tf.oneHot(targets, vocab), tf.logSoftmax(x)), -1);

/** A causal mask [B, 1, T, T] with the first `pad[b]` keys of row b padded out. */
function causalMask(tf: Tf, batch: number, time: number, pad: number[]): Tensor {
  const data = new Float32Array(batch * time * time);
  for (let b = 0; b < batch; b++) for (let t = 0; t < time; t++) for (let s = 0; s < time; s++) data[(b * time + t) * time + s] = s <= t && s >= (pad[b] ?? 0) ? 0 : -1e9;
  return tf.tensor4d(data, [batch, 1, time, time]);
}

/** Every op, fused against reference, on the active backend; the largest differences. */
async function checkEveryOp(tf: Tf): Promise<Record<string, { value: number; grads: number[] }>> {
  const [b, t, h] = [2, 5, 300];
  const x = tf.tensor3d(values(b * t * h, 1, 2), [b, t, h]);
  const w = tf.tensor1d(values(h, 2));
  const results: Record<string, { value: number; grads: number[] }> = {};
  results.rmsNorm = await compareOp(tf, [x, w], (a, c) => fusedRmsNorm(a as never, c as never, 1e-6), rmsReference(tf, 1e-6), 3);
  const g = tf.tensor3d(values(b * t * h, 4, 6), [b, t, h]);
  results.swiglu = await compareOp(tf, [g, x], (a, c) => fusedSwiglu(a, c), swigluReference(tf), 5);
  const [heads, dim] = [3, 8];
  const q = tf.tensor3d(values(b * t * heads * dim, 6), [b, t, heads * dim]);
  const angles = values(b * t * dim, 7, 3);
  const cos = tf.tensor4d(angles.map(Math.cos), [b, 1, t, dim]);
  const sin = tf.tensor4d(angles.map(Math.sin), [b, 1, t, dim]);
  results.rope = await compareOp(tf, [q], (a) => fusedRope(a as never, heads, cos as never, sin as never), (a) => applyRope(splitHeads(a as never, heads, dim), cos as never, sin as never), 8);
  const bias = tf.tensor1d(values(heads * dim, 15));
  results.ropeWithBias = await compareOp(tf, [q, bias], (a, c) => fusedRope(a as never, heads, cos as never, sin as never, c as never), (a, c) => applyRope(splitHeads(tf.add(a, c) as never, heads, dim), cos as never, sin as never), 16);
  // 200 keys: wider than a workgroup's 128 threads, so each thread reduces several.
  const keys = 200;
  const scores = tf.tensor4d(values(b * heads * keys * keys, 9, 4), [b, heads, keys, keys]);
  const mask = causalMask(tf, b, keys, [0, 37]);
  results.maskedSoftmax = await compareOp(tf, [scores], (s) => fusedMaskedSoftmax(s as never, mask as never, 0.125), (s) => softmaxReference(tf, 0.125)(s, mask), 10);
  const vocab = 1000;
  const logits = tf.tensor2d(values(7 * vocab, 11, 8), [7, vocab]);
  const targets = tf.tensor1d([0, 999, 5, 5, 500, 1, 2], 'int32');
  results.targetLogProbs = await compareOp(tf, [logits], (l) => targetLogProbs(l as never, targets as never), logProbReference(tf, targets, vocab), 12);
  return results;
}

function assertClose(results: Record<string, { value: number; grads: number[] }>, tolerance: number): void {
  for (const [op, { value, grads }] of Object.entries(results)) {
    assert.ok(value < tolerance, `${op}: value differs by ${value}`);
    grads.forEach((d, i) => assert.ok(d < tolerance, `${op}: gradient ${i} differs by ${d}`));
  }
}

describe('the fused ops\' CPU twins', () => {
  it('match autodiff of the unfused ops, values and gradients', async () => {
    const tf = await useTfjsBackend('cpu');
    assertClose(await checkEveryOp(tf), 2e-5);
  });

  it('group positions by id for the embedding gradient, and sum dy\'s rows by that grouping', async () => {
    const tf = await useTfjsBackend('cpu');
    assert.deepEqual(positionsById([2, 0, 2, 4, 0], 5), { order: Int32Array.from([1, 4, 0, 2, 3]), offsets: Int32Array.from([0, 2, 2, 4, 4, 5]) });
    assert.throws(() => positionsById([1, 7], 5), /id 7 at position 1 is outside the vocabulary \[0, 5\)/u);
    const ids = [3, 1, 3, 0];
    const dy = tf.tensor2d(values(4 * 6, 13), [4, 6]);
    const grouped = positionsById(ids, 5);
    const sums = segmentSumRows(dy, tf.tensor1d(grouped.order, 'int32'), tf.tensor1d(grouped.offsets, 'int32'));
    assert.ok((await maxDiff(sums, tf.unsortedSegmentSum(dy, tf.tensor1d(ids, 'int32'), 5))) < 1e-6);
  });
});

/** A Qwen-shaped LM small enough for a CPU Vulkan driver, grouped queries (4 heads, 2 key/value heads). */
const TINY_QWEN = {
  model_type: 'qwen2', vocab_size: 300, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 96, max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true,
};

describe('the WGSL kernels on WebGPU', { skip: noGpu }, () => {
  it('match tfjs\'s unfused ops on the same backend, values and gradients', async () => {
    // A software adapter (lavapipe) runs kernels when webgpu is asked for, never by auto.
    if (adapter?.software === true) assert.equal((await resolveDevice('auto')).backend, 'wasm');
    const tf = await useTfjsBackend('webgpu');
    assertClose(await checkEveryOp(tf), 2e-5);
    const dy = tf.tensor2d(values(40 * 16, 14), [40, 16]);
    const ids = Array.from({ length: 40 }, (_, i) => (i * 7) % 11);
    const grouped = positionsById(ids, 13);
    const sums = segmentSumRows(dy, tf.tensor1d(grouped.order, 'int32'), tf.tensor1d(grouped.offsets, 'int32'));
    const oneHot = tf.matMul(tf.oneHot(tf.tensor1d(ids, 'int32'), 13), dy, true, false);
    assert.ok((await maxDiff(sums, oneHot)) < 1e-5);
    // The global norm over 17 tensors: three groups of the grouped kernel, one larger than a workgroup's slices.
    const tensors = Array.from({ length: 17 }, (_, i) => tf.tensor(values(i === 3 ? 40_000 : 3 + i * 11, 20 + i), i === 3 ? [200, 200] : [3 + i * 11]));
    const expected = tensors.reduce((total, x) => total + Array.from(x.dataSync()).reduce((a, v) => a + v * v, 0), 0);
    const got = (await sumOfSquares(tensors).data())[0] as number;
    assert.ok(Math.abs(got - expected) / expected < 1e-5, `sum of squares ${got} vs ${expected}`);
  });

  it('ScaledAdam\'s fused update steps as tf.train.adam does on the scaled gradients', async () => {
    const tf = await useTfjsBackend('webgpu');
    const shapes = [[300, 7], [5], [4, 3, 2]];
    const ours = shapes.map((shape, i) => tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b, 1), 30 + i), shape)));
    const theirs = ours.map((v) => tf.variable(v.clone()));
    const fused = new ScaledAdam(0.01);
    const reference = tf.train.adam(0.01);
    for (let step = 0; step < 3; step++) {
      const grads = (vars: typeof ours) => Object.fromEntries(vars.map((v, i) => [v.name, tf.mul(tf.sin(tf.add(v, step)), i + 1)]));
      fused.applyScaledGradients(grads(ours), 0.5);
      reference.applyGradients(Object.fromEntries(Object.entries(grads(theirs)).map(([name, g]) => [name, tf.mul(g, 0.5)])) as never);
    }
    for (let i = 0; i < ours.length; i++) assert.ok((await maxDiff(ours[i] as Tensor, theirs[i] as Tensor)) < 1e-6);
  });

  it('train a Qwen-shaped model as the unfused ops do, in fewer kernels', async (t) => {
    const tf = await useTfjsBackend('webgpu');
    const lm = await createCausalLM(TINY_QWEN, { seed: 4, backend: 'cpu' });
    await useTfjsBackend('webgpu');
    const batch = padSequences([Array.from({ length: 24 }, (_, i) => (i * 13) % 300), Array.from({ length: 17 }, (_, i) => (i * 5 + 1) % 300)], [8, 4], 0);
    const step = async (fused: boolean) => {
      setFusedKernels(fused);
      const { result, dispatches } = await countDispatches(async () => {
        const { value, grads } = tf.variableGrads(() => maskedNll(lm, batch), lm.variables);
        const out = { loss: (await value.data())[0] as number, grads: await Promise.all(lm.variables.map(async (v) => (await (grads[v.name] as Tensor).data()) as Float32Array)) };
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      });
      setFusedKernels(true);
      return { ...result, kernels: dispatches };
    };
    const fused = await step(true);
    const unfused = await step(false);
    assert.ok(Math.abs(fused.loss - unfused.loss) < 1e-5, `loss ${fused.loss} vs ${unfused.loss}`);
    let worst = 0;
    fused.grads.forEach((g, i) => g.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - ((unfused.grads[i] as Float32Array)[j] as number))); }));
    assert.ok(worst < 1e-5, `gradients differ by ${worst}`);
    t.diagnostic(`a training step of the tiny model: ${fused.kernels} dispatches fused, ${unfused.kernels} unfused; gradients within ${worst.toExponential(1)}`);
    assert.ok(fused.kernels < unfused.kernels * 0.6, `${fused.kernels} kernels fused against ${unfused.kernels} unfused`);
    lm.dispose();
  });
});
