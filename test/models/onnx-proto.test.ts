// The hand-written protobuf and ONNX encoders: byte-exact protobuf encodings, and a model
// ONNX Runtime loads and runs with the result the graph describes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { encodeModel } from '@s3lab/toolkit';
import { GraphBuilder } from '../../toolkit/src/models/lm/onnx/graph-builder.js';
import { ProtoWriter } from '../../toolkit/src/models/lm/onnx/protobuf.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('ProtoWriter', () => {
  it('encodes varints, negative int64, floats, strings and nested messages as protobuf does', () => {
    assert.equal(hex(new ProtoWriter().varint(1, 150).bytes()), '089601'); // the protobuf documentation's example
    assert.equal(hex(new ProtoWriter().varint(2, 0).bytes()), '1000');
    assert.equal(hex(new ProtoWriter().varint(1, 2 ** 40).bytes()), `08${'80'.repeat(5)}20`); // 2⁴⁰: five zero groups of 7 bits, then 2⁵
    assert.equal(hex(new ProtoWriter().varint(8, -1).bytes()), `40${'ff'.repeat(9)}01`);
    assert.equal(hex(new ProtoWriter().float(2, 1).bytes()), '150000803f');
    assert.equal(hex(new ProtoWriter().string(2, 'testing').bytes()), '120774657374696e67');
    assert.equal(hex(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).bytes()), '1a03089601');
    assert.throws(() => new ProtoWriter().varint(1, 0.5), /not a safe integer/u);
  });

  it('keeps large byte fields whole across its scratch buffer', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const bytes = new ProtoWriter().varint(1, 7).bytesField(2, data).string(3, 'x'.repeat(300)).bytes();
    assert.equal(hex(bytes.subarray(0, 5)), '0807' + '12e807');
    assert.deepEqual(bytes.subarray(5, 1005), data);
    assert.equal(bytes.length, 2 + 3 + 1000 + 3 + 300);
  });
});

describe('encodeModel', () => {
  it('writes a model ONNX Runtime runs: initializers, attributes (negative ints), dynamic shapes', async () => {
    const b = new GraphBuilder();
    const weight = b.initializer('w', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));
    const product = b.op('MatMul', ['x', weight]);
    const mean = b.op('ReduceMean', [product], { axes: { ints: [-1] }, keepdims: { int: 1 } });
    b.op('Add', [b.op('Sub', [product, mean]), b.scalar(0.5)], undefined, 'y');
    const bytes = encodeModel({ opsetVersion: 17, producer: 'test', graph: b.graph('g', [{ name: 'x', type: 'float32', shape: ['n', 2] }], [{ name: 'y', type: 'float32', shape: ['n', 3] }]) });
    const session = await InferenceSession.create(bytes);
    const { y } = await session.run({ x: new Tensor('float32', Float32Array.from([1, 0, 1, 1]), [2, 2]) });
    // rows [1, 2, 3] and [5, 7, 9], centred, plus 0.5.
    assert.deepEqual(Array.from(y!.data as Float32Array), [-0.5, 0.5, 1.5, -1.5, 0.5, 2.5]);
    assert.deepEqual(y!.dims, [2, 3]);
    await session.release();
  });

  it('refuses a tensor whose data does not fill its dims', () => {
    assert.throws(() => encodeModel({ opsetVersion: 17, producer: 'test', graph: { name: 'g', nodes: [], initializers: [{ name: 't', dims: [2, 2], data: new Float32Array(3) }], inputs: [], outputs: [] } }), /dims \[2, 2\] hold 4 values, the data 3/u);
  });
});
