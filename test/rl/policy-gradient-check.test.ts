// The PPO policy loss is trained through a real transformer: tokenLogProbs → ratio → clip → masked
// mean. Central finite differences on individual weights check that the gradient tfjs computes
// through that whole path is the derivative of the loss (clipped tokens included), and that a
// token the mask excludes contributes exactly nothing, as if it had not been generated.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createCausalLM, padSequences, tokenLogProbs, useTfjsBackend, type TransformerLM } from '@s3lab/toolkit';
import { clippedPolicyLoss } from '../../toolkit/src/rl/losses.js';

const CONFIG = { model_type: 'llama', vocab_size: 16, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 16, max_position_embeddings: 32, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false };
const CLIP = 0.2;

/** One rollout: prompt + action tokens, and per action token an old-policy offset and an advantage. */
interface Rollout { tokens: number[]; promptLength: number; offsets: number[]; advantages: number[] }

// old = current log-prob + offset, so ratio = exp(−offset): ±0.5 puts the ratio outside [0.8, 1.2]
// (clipped when the advantage pushes it further out), ±0.05 inside.
const ROLLOUTS: Rollout[] = [
  { tokens: [1, 5, 7, 3, 9, 2, 11], promptLength: 2, offsets: [-0.5, 0.05, 0.5, -0.5, 0.5], advantages: [1, -1, -1, -1, 1] },
  { tokens: [4, 6, 8, 10, 13], promptLength: 1, offsets: [0.05, -0.5, 0.5, -0.05], advantages: [-1.5, 1, -1, 0.5] },
  { tokens: [2, 14, 12], promptLength: 1, offsets: [0.5, -0.05], advantages: [1, -0.5] },
];

/** A padded batch plus the tensors clippedPolicyLoss needs besides the log-probs, aligned to tokenLogProbs' [B, T − 1]. */
function makeBatch(lm: TransformerLM, rollouts: readonly Rollout[], excluded: readonly [number, number][] = []) {
  const padded = padSequences(rollouts.map((r) => r.tokens), rollouts.map((r) => r.promptLength), 0);
  const current = tf.tidy(() => tokenLogProbs(lm, padded)).arraySync();
  const mask: number[][] = [];
  const old: number[][] = [];
  const advantages: number[][] = [];
  padded.lossMask.forEach((row, b) => {
    let k = 0; // index of the action token within rollout b
    const m: number[] = [];
    const o: number[] = [];
    const a: number[] = [];
    row.slice(1).forEach((isAction, t) => {
      if (isAction === 1) {
        m.push(excluded.some(([eb, ek]) => eb === b && ek === k) ? 0 : 1);
        o.push(current[b]![t]! + rollouts[b]!.offsets[k]!);
        a.push(rollouts[b]!.advantages[k]!);
        k++;
      } else {
        m.push(0);
        o.push(0);
        a.push(0);
      }
    });
    assert.equal(k, rollouts[b]!.offsets.length, `rollout ${b}: one offset per action token`);
    mask.push(m);
    old.push(o);
    advantages.push(a);
  });
  return { padded, mask: tf.tensor2d(mask), oldLogProbs: tf.tensor2d(old), advantages: tf.tensor2d(advantages) };
}

function policyLoss(lm: TransformerLM, batch: ReturnType<typeof makeBatch>) {
  return clippedPolicyLoss({ logProbs: tokenLogProbs(lm, batch.padded), oldLogProbs: batch.oldLogProbs, advantages: batch.advantages, mask: batch.mask, clipRatio: CLIP });
}

function gradients(lm: TransformerLM, batch: ReturnType<typeof makeBatch>): Map<string, Float32Array> {
  const { grads, value } = tf.variableGrads(() => policyLoss(lm, batch).loss, lm.variables);
  const byName = new Map<string, Float32Array>();
  for (const [name, v] of lm.weights) byName.set(name, grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return byName;
}

before(async () => {
  await useTfjsBackend('cpu');
});

it('the PPO policy gradient through a tiny llama matches central finite differences', async () => {
  const lm = await createCausalLM(CONFIG, { seed: 11, backend: 'cpu', initializerRange: 0.5 });
  const batch = makeBatch(lm, ROLLOUTS);
  const { clipFraction } = policyLoss(lm, batch);
  const fraction = clipFraction.dataSync()[0]!;
  assert.ok(fraction > 0.2 && fraction < 0.8, `clip fraction ${fraction}: the check needs clipped and unclipped tokens`);

  const analytic = gradients(lm, batch);
  // Per weight matrix, the entry with the largest gradient: every part of the network is checked.
  const names = ['model.embed_tokens.weight', 'model.layers.0.self_attn.q_proj.weight', 'model.layers.0.self_attn.v_proj.weight', 'model.layers.0.mlp.down_proj.weight', 'model.layers.0.input_layernorm.weight', 'lm_head.weight'];
  const eps = 1e-3;
  for (const name of names) {
    const variable = lm.weights.get(name);
    const g = analytic.get(name);
    assert.ok(variable && g, `no weight ${name}: ${[...lm.weights.keys()].join(', ')}`);
    let index = 0;
    g.forEach((x, i) => { if (Math.abs(x) > Math.abs(g[index]!)) index = i; });
    assert.ok(Math.abs(g[index]!) > 1e-3, `${name}: largest gradient ${g[index]} is too small to check`);
    const original = variable.dataSync().slice() as Float32Array;
    const lossWith = (w: number): number => {
      const copy = original.slice();
      copy[index] = w;
      variable.assign(tf.tensor(copy, variable.shape));
      return tf.tidy(() => policyLoss(lm, batch).loss.dataSync()[0]!);
    };
    // The step float32 actually stored, not the nominal eps.
    const up = Math.fround(original[index]! + eps);
    const down = Math.fround(original[index]! - eps);
    const numeric = (lossWith(up) - lossWith(down)) / (up - down);
    variable.assign(tf.tensor(original, variable.shape));
    const error = Math.abs(numeric - g[index]!);
    assert.ok(error <= 1e-4 || error <= 2e-2 * Math.abs(g[index]!), `${name}[${index}]: analytic ${g[index]}, finite differences ${numeric}`);
  }
  lm.dispose();
});

it('a token the mask excludes gets the gradient of the batch without that token', async () => {
  const lm = await createCausalLM(CONFIG, { seed: 12, backend: 'cpu', initializerRange: 0.5 });
  // Exclude the last action token of rollout 1; compare with rollout 1 generated one token shorter.
  const last = ROLLOUTS[1]!.offsets.length - 1;
  const masked = gradients(lm, makeBatch(lm, ROLLOUTS, [[1, last]]));
  const shorter = ROLLOUTS.map((r, b) => (b === 1 ? { ...r, tokens: r.tokens.slice(0, -1), offsets: r.offsets.slice(0, -1), advantages: r.advantages.slice(0, -1) } : r));
  const removed = gradients(lm, makeBatch(lm, shorter));
  const kept = gradients(lm, makeBatch(lm, ROLLOUTS));
  let differsWhenKept = 0;
  for (const [name, g] of masked) {
    const r = removed.get(name)!;
    g.forEach((x, i) => assert.ok(Math.abs(x - r[i]!) <= 1e-6 + 1e-4 * Math.abs(r[i]!), `${name}[${i}]: masked ${x}, removed ${r[i]}`));
    const k = kept.get(name)!;
    g.forEach((x, i) => { differsWhenKept = Math.max(differsWhenKept, Math.abs(x - k[i]!)); });
  }
  // The excluded token matters when it is not excluded, so the comparison above can fail.
  assert.ok(differsWhenKept > 1e-3, `keeping the token changes the gradient by only ${differsWhenKept}`);

  // What the excluded token's old log-prob and advantage are makes no difference at all.
  const garbage = makeBatch(lm, ROLLOUTS, [[1, last]]);
  const t = garbage.padded.ids[1]!.length - 2;
  const withGarbage = { ...garbage, oldLogProbs: tf.tensor2d(garbage.oldLogProbs.arraySync().map((row, b) => row.map((x, j) => (b === 1 && j === t ? x - 7 : x)))), advantages: tf.tensor2d(garbage.advantages.arraySync().map((row, b) => row.map((x, j) => (b === 1 && j === t ? -100 : x)))) };
  assert.equal(garbage.mask.arraySync()[1]![t], 0, 'the excluded token sits at the last position of row 1');
  const g1 = gradients(lm, withGarbage);
  for (const [name, g] of masked) {
    const o = g1.get(name)!;
    g.forEach((x, i) => assert.ok(x - o[i]! === 0, `${name}[${i}]: ${x} vs ${o[i]} with other values on the excluded token`));
  }
  lm.dispose();
});
