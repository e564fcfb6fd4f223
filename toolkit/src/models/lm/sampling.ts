/**
 * Picking the next token from a row of logits: greedy at temperature 0, otherwise softmax at
 * the temperature, restricted to the top-k tokens and then to the nucleus (top-p), drawn with
 * a seeded generator (the same seed draws the same tokens on every machine).
 */
import { Random } from '../../data/lab-world/random.js';

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
  // Candidates in decreasing logit order; only as many as top-k keeps need sorting.
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
