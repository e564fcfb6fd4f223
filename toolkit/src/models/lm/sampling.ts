/**
 * Picking the next token from a row of logits: greedy at temperature 0, otherwise softmax at
 * the temperature, restricted to the top-k tokens and then to the nucleus (top-p), drawn with
 * a seeded generator (the same seed draws the same tokens on every machine).
 */
import { Random } from '../../core/random.js';

export interface SamplerSettings {
  temperature: number;
  topK: number;
  topP: number;
}

/** The index of the largest value (the first, on ties: torch.argmax's choice). */
export function argmax(row: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const value = row[i] as number;
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  }
  return best;
}

/** Draws one token id from `logits` with `settings`, consuming one number of `random`. */
export function sampleToken(logits: Float32Array, settings: SamplerSettings, random: Random): number {
  if (settings.temperature <= 0) return argmax(logits);
  if (settings.topK <= 0 && settings.topP >= 1) return sampleAll(logits, settings.temperature, random);
  // Candidates in decreasing logit order (only needed when top-k or top-p cut the distribution).
  const order = Array.from(logits.keys()).sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
  const kept = settings.topK > 0 ? order.slice(0, settings.topK) : order;
  const top = logits[kept[0] as number] as number;
  const weights = kept.map((i) => Math.exp(((logits[i] as number) - top) / settings.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  // Nucleus: the smallest prefix whose probability reaches top-p (at least one token).
  let count = kept.length;
  if (settings.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < kept.length; i++) {
      cumulative += (weights[i] as number) / total;
      if (cumulative >= settings.topP) {
        count = i + 1;
        break;
      }
    }
  }
  const mass = weights.slice(0, count).reduce((a, b) => a + b, 0);
  let draw = random.next() * mass;
  for (let i = 0; i < count; i++) {
    draw -= weights[i] as number;
    if (draw < 0) return kept[i] as number;
  }
  return kept[count - 1] as number;
}

/**
 * A draw from the whole softmax at `temperature`, in vocabulary order: no sort, two passes over
 * the logits (a sort of a 150k-token vocabulary per token would cost more than a small model's step).
 * The token is the same one the sorted path would draw only in distribution, not draw for draw.
 */
function sampleAll(logits: Float32Array, temperature: number, random: Random): number {
  let top = -Infinity;
  for (const v of logits) if (v > top) top = v;
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += weights[i] = Math.exp(((logits[i] as number) - top) / temperature);
  let draw = random.next() * total;
  for (let i = 0; i < weights.length; i++) {
    draw -= weights[i] as number;
    if (draw < 0) return i;
  }
  return argmax(logits);
}
