// ScaledAdam is tfjs's Adam on gradients × scale: same parameters and moments after several
// steps as tf.train.adam given the scaled gradients, and its state round-trips through
// getWeights/setWeights as checkpoints use it. (Its fused WebGPU kernels are checked against
// tf.train.adam on the GPU by bench/gpu/gpu.bench.ts.)
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ScaledAdam, useTfjsBackend } from '@s3lab/toolkit';

it('equals tf.train.adam on scaled gradients, step for step, and its state round-trips', async () => {
  const tf = await useTfjsBackend('cpu');
  const start = [[0.5, -1, 2], [0.1, 0.2, -0.3]];
  const a = tf.variable(tf.tensor2d(start));
  const b = tf.variable(tf.tensor2d(start));
  const ours = new ScaledAdam(0.05);
  const theirs = tf.train.adam(0.05);
  const loss = (w: typeof a) => () => tf.sum(tf.mul(tf.square(w), tf.tensor2d([[1, 2, 3], [4, 5, 6]]))) as never;
  for (let step = 0; step < 4; step++) {
    const scale = [1, 0.5, 0.25, 2][step] as number;
    const g1 = tf.variableGrads(loss(a), [a]).grads;
    ours.applyScaledGradients(g1, scale);
    const g2 = tf.variableGrads(loss(b), [b]).grads;
    theirs.applyGradients(Object.fromEntries(Object.entries(g2).map(([name, g]) => [name, tf.mul(g, scale)])) as never);
  }
  const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => Math.max(...Array.from(x, (v, i) => Math.abs(v - (y[i] as number))));
  assert.ok(diff(a.dataSync(), b.dataSync()) < 1e-6);
  assert.ok(diff(a.dataSync(), tf.tensor2d(start).dataSync()) > 0.1, 'the parameters moved');
  const weights = await ours.getWeights();
  assert.deepEqual(weights.map((w) => w.name.replace(/^.*\//u, '')), ['iter', 'm', 'v']);
  const restored = new ScaledAdam(0.05);
  await restored.setWeights(weights);
  assert.equal(restored.iterations, 4);
});

it('restored from its weights, it steps exactly as the saved optimizer would have (bias-correction powers included)', async () => {
  const tf = await useTfjsBackend('cpu');
  const start = [0.5, -1, 2, 0.1];
  const loss = (w: ReturnType<typeof tf.variable>) => () => tf.sum(tf.mul(tf.square(w), tf.tensor1d([1, 2, 3, 4]))) as never;
  const step = (optimizer: ScaledAdam, w: ReturnType<typeof tf.variable>) => optimizer.applyScaledGradients(tf.variableGrads(loss(w), [w]).grads);
  // β₂ = 0.999 after two steps is where pow(β, 3) and the float32 product of the steps first differ.
  const whole = tf.variable(tf.tensor1d(start), true, 'adam-whole');
  const uninterrupted = new ScaledAdam(0.05);
  for (let i = 0; i < 3; i++) step(uninterrupted, whole);
  const part = tf.variable(tf.tensor1d(start), true, 'adam-part');
  const before = new ScaledAdam(0.05);
  for (let i = 0; i < 2; i++) step(before, part);
  const resumed = new ScaledAdam(0.05);
  await resumed.setWeights(await before.getWeights());
  step(resumed, part);
  assert.deepEqual(Array.from(part.dataSync()), Array.from(whole.dataSync()));
});
