/**
 * Turning tokenised texts into the padded int64 tensors an ONNX encoder takes, in batches
 * of similar lengths so that little of each batch is padding.
 */
import type { TokenizedText } from '../tokenizer/tokenizer.js';

/** One padded batch: which input texts it holds, and its `[size, width]` row-major inputs. */
export interface PaddedBatch {
  /** Positions of the batch's rows in the caller's text array. */
  indices: number[];
  width: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

/**
 * Groups texts into batches of at most `batchSize`, longest first, each padded with `padId`
 * to its own longest text. Padding never changes an embedding (the mask hides it), so the
 * grouping is free to choose. Batches are made as they are consumed, so only one is held.
 *
 * @example
 * ```ts
 * const [batch] = padInBatches([{ ids: [2, 7, 3], typeIds: [0, 0, 0], attentionMask: [1, 1, 1] }], 0, 32);
 * batch?.width; // 3
 * ```
 */
export function padInBatches(texts: readonly TokenizedText[], padId: number, batchSize: number): Generator<PaddedBatch> {
  // Checked here, not inside the generator, so a bad size fails at the call.
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return batchesOf(texts, padId, batchSize);
}

function* batchesOf(texts: readonly TokenizedText[], padId: number, batchSize: number): Generator<PaddedBatch> {
  const order = texts.map((_, i) => i).sort((a, b) => texts[b]!.ids.length - texts[a]!.ids.length || a - b);
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, start + batchSize);
    const width = Math.max(1, ...indices.map((i) => texts[i]!.ids.length));
    const inputIds = new BigInt64Array(indices.length * width).fill(BigInt(padId));
    const attentionMask = new BigInt64Array(indices.length * width);
    const tokenTypeIds = new BigInt64Array(indices.length * width);
    indices.forEach((textIndex, row) => {
      const { ids, typeIds, attentionMask: mask } = texts[textIndex]!;
      for (let t = 0; t < ids.length; t++) {
        inputIds[row * width + t] = BigInt(ids[t]!);
        tokenTypeIds[row * width + t] = BigInt(typeIds[t] ?? 0);
        attentionMask[row * width + t] = BigInt(mask[t] ?? 1);
      }
    });
    yield { indices, width, inputIds, attentionMask, tokenTypeIds };
  }
}
