/**
 * The ONNX Runtime session behind an encoder: CPU, one intra-op thread per core (the
 * matrix products of one batch are the parallel work; batches run one after another).
 */
import { availableParallelism } from 'node:os';
import { InferenceSession } from 'onnxruntime-node';
import { ModelFileError } from '../model-files.js';

/** The inputs a BERT-family encoder may declare, by their Hugging Face / optimum names. */
export const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
export type KnownInput = (typeof KNOWN_INPUTS)[number];

/** A session with the names it is fed and read by. */
export interface EncoderSession {
  session: InferenceSession;
  /** The known inputs the graph declares, in its order (`input_ids` always among them). */
  inputs: KnownInput[];
  /** `last_hidden_state` when the graph has it, else its first output. */
  output: string;
}

/**
 * Opens `model.onnx` and checks that it takes only inputs the encoder can supply.
 *
 * @example
 * ```ts
 * const { inputs, output } = await openEncoderSession('datasets/fixtures/tiny-bert/model.onnx', 2);
 * // inputs: ['input_ids', 'attention_mask', 'token_type_ids'], output: 'last_hidden_state'
 * ```
 */
export async function openEncoderSession(path: string, threads = availableParallelism()): Promise<EncoderSession> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(path, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    throw new ModelFileError(path, `ONNX Runtime cannot load ${path}: ${(cause as Error).message}`, { cause });
  }
  const unknown = session.inputNames.filter((name) => !(KNOWN_INPUTS as readonly string[]).includes(name));
  if (unknown.length > 0 || !session.inputNames.includes('input_ids')) {
    await session.release();
    throw new ModelFileError(path, `${path} takes inputs [${session.inputNames.join(', ')}]; an encoder supplies input_ids and optionally ${KNOWN_INPUTS.slice(1).join(', ')}`);
  }
  const output = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0];
  if (output === undefined) {
    await session.release();
    throw new ModelFileError(path, `${path} has no outputs`);
  }
  return { session, inputs: session.inputNames as KnownInput[], output };
}
