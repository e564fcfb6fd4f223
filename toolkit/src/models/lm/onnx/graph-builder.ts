/**
 * A small helper for writing an ONNX graph as code: each call adds one node and returns the
 * name of its output, so a forward pass reads like the tfjs one (`b.op('MatMul', [x, w])`).
 * Constants are deduplicated by value.
 *
 * @example
 * ```ts
 * const b = new GraphBuilder();
 * const y = b.op('Add', ['x', b.scalar(1)]);
 * const graph = b.graph('plus-one', [{ name: 'x', type: 'float32', shape: ['n'] }], [{ name: y, type: 'float32', shape: ['n'] }]);
 * ```
 */
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx-proto.js';

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly constants = new Map<string, string>();
  private count = 0;

  /** Adds a node with one output (named after the op unless `output` names it); returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>, output?: string): string {
    return this.ops(opType, inputs, 1, attributes, output === undefined ? undefined : [output])[0] as string;
  }

  /** Adds a node with `outputs` outputs; returns their names. */
  ops(opType: string, inputs: readonly string[], outputs: number, attributes?: Readonly<Record<string, OnnxAttribute>>, names?: readonly string[]): string[] {
    const id = this.count++;
    const outs = names ? [...names] : Array.from({ length: outputs }, (_, i) => `${opType.toLowerCase()}_${id}${outputs > 1 ? `_${i}` : ''}`);
    this.nodes.push({ opType, inputs, outputs: outs, name: `${opType}_${id}`, ...(attributes ? { attributes } : {}) });
    return outs;
  }

  /** Adds a named initializer (a weight); returns its name. */
  initializer(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.constant(`f32:${value}`, () => ({ dims: [], data: new Float32Array([value]) }));
  }

  /** A 1-D int64 constant (shapes, split sizes, axes). */
  ints(values: readonly number[]): string {
    return this.constant(`i64:${values.join(',')}`, () => ({ dims: [values.length], data: BigInt64Array.from(values, BigInt) }));
  }

  /** The finished graph. */
  graph(name: string, inputs: readonly OnnxValueInfo[], outputs: readonly OnnxValueInfo[]): OnnxGraph {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs };
  }

  private constant(key: string, make: () => Omit<OnnxTensor, 'name'>): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = `const_${this.constants.size}`;
      this.constants.set(key, name);
      this.initializers.push({ name, ...make() });
    }
    return name;
  }
}
