/**
 * The critic: a linear value head on the policy's final hidden states (the policy's backbone is
 * shared, as in CleanRL's PPO; the paper's critic is a second 7B model, which a lab-scale run on
 * two cores cannot afford). Zero-initialised, so the first values are 0 and the first advantages
 * are the returns themselves.
 */
import { readSafetensors, writeSafetensors } from '../models/lm/index.js';
import { tf } from '../models/tfjs/index.js';

export const VALUE_HEAD_FILE = 'value_head.safetensors';

export class ValueHead {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly hiddenSize: number, weight?: Float32Array, bias?: number) {
    this.weight = tf.variable(weight ? tf.tensor2d(weight, [hiddenSize, 1]) : tf.zeros([hiddenSize, 1]), true, `value_head.weight.${uniqueId()}`);
    this.bias = tf.variable(tf.scalar(bias ?? 0), true, `value_head.bias.${uniqueId()}`);
  }

  get variables(): tf.Variable[] {
    return [this.weight, this.bias];
  }

  /** Values of hidden states [N, H] → [N]. */
  apply(states: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.add(tf.matMul(states, this.weight).reshape([-1]), this.bias) as tf.Tensor1D);
  }

  async save(file: string): Promise<void> {
    const weight = (await this.weight.data()) as Float32Array;
    const bias = (await this.bias.data()) as Float32Array;
    await writeSafetensors(file, new Map([
      ['value_head.weight', { shape: [1, this.hiddenSize], data: weight }],
      ['value_head.bias', { shape: [1], data: bias }],
    ]));
  }

  static async load(file: string, hiddenSize: number): Promise<ValueHead> {
    const tensors = await readSafetensors(file);
    const weight = tensors.get('value_head.weight');
    const bias = tensors.get('value_head.bias');
    if (!weight || !bias || weight.data.length !== hiddenSize) throw new Error(`${file}: expected value_head.weight [1, ${hiddenSize}] and value_head.bias`);
    return new ValueHead(hiddenSize, Float32Array.from(weight.data), bias.data[0]);
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}

let counter = 0;
function uniqueId(): number {
  return counter++;
}
