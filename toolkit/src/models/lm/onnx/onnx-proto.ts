/**
 * ONNX's protobuf messages (onnx/onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto), the subset s3lab writes, as plain objects and one encoder.
 * Field numbers are onnx.proto's; tensors carry their values as `raw_data` (little-endian bytes,
 * what every runtime reads fastest).
 *
 * @example
 * ```ts
 * const bytes = encodeModel({
 *   opsetVersion: 17, producer: 's3lab',
 *   graph: { name: 'add', nodes: [{ opType: 'Add', inputs: ['x', 'one'], outputs: ['y'] }],
 *     initializers: [{ name: 'one', dims: [], data: new Float32Array([1]) }],
 *     inputs: [{ name: 'x', type: 'float32', shape: ['n'] }], outputs: [{ name: 'y', type: 'float32', shape: ['n'] }] },
 * });
 * // await InferenceSession.create(bytes)
 * ```
 */
import { ProtoWriter } from './protobuf.js';

export type OnnxElementType = 'float32' | 'int64';

/** TensorProto.DataType. */
const DATA_TYPE: Record<OnnxElementType, number> = { float32: 1, int64: 7 };

/** A constant tensor (an initializer); `dims` [] is a scalar. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

/** One attribute value, by kind (AttributeProto's `i`, `f`, `ints`, `s`). */
export type OnnxAttribute = { int: number } | { float: number } | { ints: readonly number[] } | { string: string };

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  /** Operator domain; '' (the default) is the standard ONNX domain. */
  domain?: string;
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

/** A graph input or output: its element type and shape (a string names a dynamic dimension). */
export interface OnnxValueInfo {
  name: string;
  type: OnnxElementType;
  shape: readonly (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  /** Version of the standard operator set the graph uses. */
  opsetVersion: number;
  producer: string;
  docString?: string;
}

/**
 * ONNX IR version 8 is the one that goes with opset 17 (onnx/helper.py's VERSION_TABLE: ONNX 1.12);
 * every runtime since ORT 1.12 reads it.
 */
const IR_VERSION = 8;

/** The ModelProto bytes of a model, ready for `InferenceSession.create(bytes)`. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const opset = new ProtoWriter().string(1, '').varint(2, model.opsetVersion);
  const out = new ProtoWriter().varint(1, IR_VERSION).string(2, model.producer).message(8, opset);
  if (model.docString !== undefined) out.string(6, model.docString);
  return out.message(7, encodeGraph(model.graph)).bytes();
}

function encodeGraph(graph: OnnxGraph): ProtoWriter {
  const out = new ProtoWriter();
  for (const node of graph.nodes) out.message(1, encodeNode(node));
  out.string(2, graph.name);
  for (const tensor of graph.initializers) out.message(5, encodeTensor(tensor));
  for (const input of graph.inputs) out.message(11, encodeValueInfo(input));
  for (const output of graph.outputs) out.message(12, encodeValueInfo(output));
  return out;
}

function encodeNode(node: OnnxNode): ProtoWriter {
  const out = new ProtoWriter();
  for (const input of node.inputs) out.string(1, input);
  for (const output of node.outputs) out.string(2, output);
  if (node.name !== undefined) out.string(3, node.name);
  out.string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) out.message(5, encodeAttribute(name, value));
  if (node.domain !== undefined && node.domain !== '') out.string(7, node.domain);
  return out;
}

/** AttributeProto; `type` (field 20) is required by the checker since IR version 3. */
function encodeAttribute(name: string, value: OnnxAttribute): ProtoWriter {
  const out = new ProtoWriter().string(1, name);
  if ('int' in value) return out.varint(3, value.int).varint(20, 2);
  if ('float' in value) return out.float(2, value.float).varint(20, 1);
  if ('string' in value) return out.string(4, value.string).varint(20, 3);
  // `ints` is a proto2 repeated field without [packed]: one key per value, which every parser reads.
  for (const v of value.ints) out.varint(8, v);
  return out.varint(20, 7);
}

function encodeTensor(tensor: OnnxTensor): ProtoWriter {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) throw new Error(`ONNX tensor ${tensor.name}: dims [${tensor.dims.join(', ')}] hold ${count} values, the data ${tensor.data.length}`);
  const out = new ProtoWriter();
  for (const d of tensor.dims) out.varint(1, d);
  out.varint(2, DATA_TYPE[tensor.data instanceof Float32Array ? 'float32' : 'int64']);
  out.string(8, tensor.name);
  // Typed arrays are little-endian on every platform Node runs on (x86-64, arm64), as raw_data must be.
  return out.bytesField(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}

function encodeValueInfo(info: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of info.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().varint(1, DATA_TYPE[info.type]).message(2, shape);
  return new ProtoWriter().string(1, info.name).message(2, new ProtoWriter().message(1, tensorType));
}
