// Token sampling draws from the right distribution: the softmax at the temperature, cut by
// top-k and top-p, reproducibly by seed.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Random } from '../../toolkit/src/core/random.js';
import { sampleToken } from '../../toolkit/src/models/lm/sampling.js';

const LOGITS = Float32Array.from([Math.log(0.2), Math.log(0.5), Math.log(0.3)]);

function frequencies(settings: { temperature: number; topK: number; topP: number }, draws = 20000): number[] {
  const random = new Random(7, 'sampling-test');
  const counts = [0, 0, 0];
  for (let i = 0; i < draws; i++) counts[sampleToken(LOGITS, settings, random)]!++;
  return counts.map((c) => c / draws);
}

it('temperature 1 with no cut draws each token with its softmax probability', () => {
  frequencies({ temperature: 1, topK: 0, topP: 1 }).forEach((f, i) => assert.ok(Math.abs(f - [0.2, 0.5, 0.3][i]!) < 0.015, `token ${i}: ${f}`));
});

it('a high temperature flattens the distribution and a low one sharpens it', () => {
  assert.ok(frequencies({ temperature: 10, topK: 0, topP: 1 }).every((f) => Math.abs(f - 1 / 3) < 0.03));
  assert.ok(frequencies({ temperature: 0.1, topK: 0, topP: 1 })[1]! > 0.99);
});

it('top-k and top-p keep only the most likely tokens, renormalised', () => {
  const topTwo = frequencies({ temperature: 1, topK: 2, topP: 1 });
  assert.equal(topTwo[0], 0);
  assert.ok(Math.abs(topTwo[1]! - 0.5 / 0.8) < 0.015);
  assert.deepEqual(frequencies({ temperature: 1, topK: 0, topP: 0.5 }), [0, 1, 0]);
  assert.deepEqual(frequencies({ temperature: 1, topK: 1, topP: 1 }), [0, 1, 0]);
});

it('temperature 0 is argmax, and a seed repeats its draws', () => {
  assert.equal(sampleToken(LOGITS, { temperature: 0, topK: 0, topP: 1 }, new Random(1)), 1);
  const draw = (seed: number): number[] => { const r = new Random(seed, 's'); return Array.from({ length: 50 }, () => sampleToken(LOGITS, { temperature: 1, topK: 0, topP: 1 }, r)); };
  assert.deepEqual(draw(3), draw(3));
  assert.notDeepEqual(draw(3), draw(4));
});
