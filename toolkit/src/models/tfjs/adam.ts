/**
 * Adam with the gradient scale (clipping, averaging over micro-batches) folded in, and on
 * WebGPU fused into three custom WGSL kernels per parameter (first moment, second moment,
 * update) instead of tfjs's ~13 elementwise kernels plus the scaling multiply. A 0.5B model
 * has ~290 parameter tensors, so an update went from ~4,000 kernel dispatches to ~900, and
 * dispatching, not arithmetic, is what an update costs there (bench/gpu, profile section).
 *
 * It is tfjs's AdamOptimizer otherwise: the same moments (named `<var>/m`, `<var>/v`), the
 * same getWeights/setWeights, so checkpoints are unchanged; on other backends it runs tfjs's
 * own update.
 *
 * @example
 * ```ts
 * import { ScaledAdam, tf } from '@s3lab/toolkit';
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const optimizer = new ScaledAdam(0.1);
 * const { grads } = tf.variableGrads(() => tf.sum(tf.square(w)) as tf.Scalar, [w]);
 * optimizer.applyScaledGradients(grads, 0.5); // the step of Adam on grads × 0.5
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { runKernel } from './fused/program.js';

interface MomentSlot {
  originalName: string;
  variable: tf.Variable;
}

/** tfjs AdamOptimizer's private state, read and written as tfjs itself does. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<MomentSlot | undefined>;
  accumulatedSecondMoment: Array<MomentSlot | undefined>;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** One elementwise kernel over tensors of the variable's shape: `body` reads `X[index]` and writes `result[index]`. */
function elementwise(key: string, inputs: Record<string, tf.Tensor>, uniforms: Record<string, number>, body: string): tf.Tensor {
  const size = (Object.values(inputs)[0] as tf.Tensor).size;
  return runKernel({
    key: `adam_${key}`, inputs, outputShape: (Object.values(inputs)[0] as tf.Tensor).shape, threads: size, workgroupSize: 128,
    uniforms: Object.entries(uniforms).map(([name, value]) => ({ name, type: 'f32', value })),
    code: `fn main(index : i32) { if (index < uniforms.size) { ${body} } }`,
  });
}

/** m' = β₁·m + (1 − β₁)·s·g (also v' = β₂·v + (1 − β₂)·(s·g)² with `square`). */
function moment(m: tf.Tensor, g: tf.Tensor, beta: number, scale: number, square: boolean): tf.Tensor {
  const x = square ? 'let g = G[index] * uniforms.scale; let x = g * g;' : 'let x = G[index] * uniforms.scale;';
  return elementwise(square ? 'v' : 'm', { M: m, G: g }, { beta, scale }, `${x} result[index] = uniforms.beta * M[index] + (1.0 - uniforms.beta) * x;`);
}

/** p' = p − lr · (m' / (1 − β₁ᵗ)) / (√(v' / (1 − β₂ᵗ)) + ε), tfjs's formula term for term. */
function updated(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, lr: number, c1: number, c2: number, eps: number): tf.Tensor {
  return elementwise('update', { P: p, M: m, V: v }, { lr, c1, c2, eps }, `
    let m = M[index] / uniforms.c1;
    let v = V[index] / uniforms.c2;
    result[index] = P[index] - uniforms.lr * (m / (sqrt(v) + uniforms.eps));`);
}

/** tfjs's Adam that takes a gradient scale and fuses its update on WebGPU (see the module's comment). */
export class ScaledAdam extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon);
  }

  /** One Adam step on `grads × scale` (by variable name; variables without a gradient keep their value). */
  applyScaledGradients(grads: Record<string, tf.Tensor>, scale = 1): void {
    if (tf.getBackend() !== 'webgpu') {
      // tfjs types the map as variables, but reads plain tensors from it.
      type Grads = Parameters<tf.AdamOptimizer['applyGradients']>[0];
      if (scale === 1) return this.applyGradients(grads as unknown as Grads);
      const scaled = tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)])));
      this.applyGradients(scaled as unknown as Grads);
      tf.dispose(Object.values(scaled));
      return;
    }
    this.applyFused(grads, scale);
  }

  /**
   * tfjs's setWeights sets the bias-correction powers to pow(β, t + 1), while its steps multiply them
   * by β once per step in float32, which rounds differently (β₂ = 0.999 after two steps: 0.99700308
   * stepped, 0.99700302 by pow), so a restored optimizer would not step as the saved one would have.
   * The powers are made here as the steps make them (a float32 product is Math.fround of the double one).
   */
  override async setWeights(weights: Parameters<tf.AdamOptimizer['setWeights']>[0]): Promise<void> {
    await super.setWeights(weights);
    const self = this as unknown as AdamInternals;
    const stepped = (beta: number): number => {
      let power = Math.fround(beta);
      for (let step = 0; step < this.iterations; step++) power = Math.fround(power * Math.fround(beta));
      return power;
    };
    tf.tidy(() => {
      self.accBeta1.assign(tf.scalar(stepped(self.beta1)));
      self.accBeta2.assign(tf.scalar(stepped(self.beta2)));
    });
  }

  private applyFused(grads: Record<string, tf.Tensor>, scale: number): void {
    const self = this as unknown as AdamInternals;
    const engine = tf.engine();
    const step = this.iterations + 1;
    const c1 = 1 - self.beta1 ** step;
    const c2 = 1 - self.beta2 ** step;
    Object.keys(grads).forEach((name, i) => {
      const value = engine.registeredVariables[name] as tf.Variable;
      self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = grads[name];
      if (gradient === undefined) return;
      const m = (self.accumulatedFirstMoment[i] as MomentSlot).variable;
      const v = (self.accumulatedSecondMoment[i] as MomentSlot).variable;
      const nextM = moment(m, gradient, self.beta1, scale, false);
      const nextV = moment(v, gradient, self.beta2, scale, true);
      const nextValue = updated(value, nextM, nextV, self.learningRate, c1, c2, self.epsilon);
      m.assign(nextM);
      v.assign(nextV);
      value.assign(nextValue);
      tf.dispose([nextM, nextV, nextValue]);
    });
    // tfjs's bias-correction powers, kept as it keeps them (getWeights/setWeights read them).
    tf.tidy(() => {
      self.accBeta1.assign(tf.scalar(self.beta1 ** (step + 1)));
      self.accBeta2.assign(tf.scalar(self.beta2 ** (step + 1)));
    });
    (this as unknown as { incrementIterations(): void }).incrementIterations();
  }
}
