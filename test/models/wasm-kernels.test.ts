// The WASM backend's Slice, SplitV and Identity (toolkit/src/models/tfjs/wasm-kernels.ts) against the cpu backend's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTfjsBackend } from '@s3lab/toolkit';
import { tf } from '../../toolkit/src/models/tfjs/index.js';

interface Case { shape: number[]; begin: number[]; size: number[] }
const slices: Case[] = [
  { shape: [7], begin: [2], size: [3] },
  { shape: [5, 6], begin: [1, 0], size: [3, 6] },
  { shape: [5, 6], begin: [1, 2], size: [3, 3] },
  { shape: [3, 4, 5], begin: [1, 1, 0], size: [2, 2, 5] },
  { shape: [3, 4, 5], begin: [0, 0, 1], size: [3, 4, 3] },
  { shape: [2, 3, 4, 5], begin: [1, 0, 2, 1], size: [1, 3, 2, 4] },
  { shape: [2, 3, 2, 4, 3], begin: [0, 1, 0, 1, 0], size: [2, 2, 2, 3, 3] },
  { shape: [4, 5], begin: [2, 1], size: [0, 4] },
];

async function onBackend<T>(name: 'wasm' | 'cpu', run: () => T): Promise<T> {
  await useTfjsBackend(name);
  return run();
}

test('Slice on WASM equals the cpu backend for contiguous and strided slices of ranks 1 to 5, float32, int32 and bool', async () => {
  for (const { shape, begin, size } of slices) {
    const count = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: count }, (_, i) => i * 1.5 - 7);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const input = dtype === 'bool' ? values.map((v) => (Math.trunc(v) % 3 === 0 ? 1 : 0)) : dtype === 'int32' ? values.map(Math.trunc) : values;
      const run = (): number[] => tf.tidy(() => Array.from(tf.slice(tf.tensor(input, shape, dtype), begin, size).dataSync()));
      assert.deepEqual(await onBackend('wasm', run), await onBackend('cpu', run), `${dtype} ${JSON.stringify({ shape, begin, size })}`);
    }
  }
  await useTfjsBackend('wasm');
});

test('SplitV on WASM equals the cpu backend along every axis, and its gradient joins the pieces back', async () => {
  const shape = [3, 4, 6];
  const values = Array.from({ length: 72 }, (_, i) => Math.sin(i));
  for (const [axis, split] of [[0, [1, 2]], [1, 2], [2, [1, 3, 2]]] as const) {
    const run = (): number[][] => tf.tidy(() => tf.split(tf.tensor(values, shape), split as number | number[], axis).map((t) => Array.from(t.dataSync())));
    assert.deepEqual(await onBackend('wasm', run), await onBackend('cpu', run), `axis ${axis}`);
  }
  await useTfjsBackend('wasm');
  // d/dx Σ piece_i · w_i, with w_i = i + 1 per piece: each element's gradient is its piece's weight.
  const x = tf.tensor(values, shape);
  const grad = tf.grad((t: tf.Tensor) => tf.addN(tf.split(t, [1, 3, 2], 2).map((p, i) => tf.mul(tf.sum(p), i + 1))) as tf.Scalar)(x);
  const expected = Array.from({ length: 72 }, (_, i) => [1, 2, 2, 2, 3, 3][i % 6]);
  assert.deepEqual(Array.from(grad.dataSync()), expected);
  tf.dispose([x, grad]);
});

test('Slice and SplitV read their input in place: no copy of the whole tensor through readSync', async () => {
  await useTfjsBackend('wasm');
  const backend = tf.backend() as unknown as { readSync: (...args: unknown[]) => unknown };
  const original = backend.readSync;
  let reads = 0;
  backend.readSync = (...args: unknown[]) => {
    reads++;
    return original.apply(backend, args);
  };
  try {
    tf.tidy(() => {
      const x = tf.randomNormal([64, 32]);
      tf.split(x, 16, 0);
      tf.slice(x, [3, 4], [10, 20]);
    });
  } finally {
    backend.readSync = original;
  }
  // tfjs-backend-wasm's own kernels copied the whole input once per piece (17 reads here).
  assert.equal(reads, 0);
});

test('Identity (the tape\'s saved copies, tf.clone) shares the input\'s memory, which outlives the input', async () => {
  await useTfjsBackend('wasm');
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const buffers = (): number => tf.engine().backend.numDataIds();
  const before = buffers();
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId);
  assert.equal(buffers(), before);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
  y.dispose();
});
