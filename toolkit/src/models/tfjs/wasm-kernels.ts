/**
 * Kernels of tfjs's WASM backend that copied memory they need not.
 *
 * Slice and SplitV here read their input in place. tfjs-backend-wasm 4.22's
 * Slice reads the input through `readSync`, which copies the whole tensor out of the WASM heap
 * first, and its SplitV is one such Slice per piece: splitting an [11200, 700] attention matrix
 * into 8 pieces copied it 9 times (~170 ms), 30% of a searcher training step and 18% of the lab
 * generator's prefill. These kernels copy only the elements they return, in contiguous runs.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs's WASM backend the kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: tf.DataId): void;
}

/**
 * `x[begin : begin + size]`, copied run by run: the trailing axes taken whole form one
 * contiguous run per index of the axes before them.
 */
function sliceInPlace(backend: WasmBackendLike, x: tf.TensorInfo, begin: readonly number[], size: readonly number[]): tf.TensorInfo {
  if (x.dtype === 'string') throw new Error('slice: string tensors are not supported on the WASM backend');
  const out = backend.makeOutput([...size], x.dtype);
  // Views after makeOutput: a growing heap detaches views made before it.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (target.length === 0) return out;
  if (rank === 0) {
    target[0] = source[0] as number;
    return out;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = (strides[d + 1] as number) * (x.shape[d + 1] as number);
  // The first axis from which the slice is contiguous: every later axis taken whole.
  let inner = rank - 1;
  while (inner > 0 && size[inner] === x.shape[inner] && begin[inner] === 0) inner--;
  const run = (size[inner] as number) * (strides[inner] as number);
  const outer = size.slice(0, inner);
  const index = new Array<number>(inner).fill(0);
  let written = 0;
  for (;;) {
    let offset = (begin[inner] as number) * (strides[inner] as number);
    for (let d = 0; d < inner; d++) offset += ((begin[d] as number) + (index[d] as number)) * (strides[d] as number);
    target.set(source.subarray(offset, offset + run), written);
    written += run;
    // Next index of the outer axes, last axis fastest.
    let d = inner - 1;
    while (d >= 0 && (index[d] = (index[d] as number) + 1) === outer[d]) index[d--] = 0;
    if (d < 0) break;
  }
  return out;
}

const sliceKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [from, extent] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size) as [number[], number[]];
  return sliceInPlace(backend as unknown as WasmBackendLike, x, from, extent);
};

const splitKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const along = tf.util.parseAxisParam(axis, x.shape)[0] as number;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, along);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[along] = s;
    const piece = sliceInPlace(backend as unknown as WasmBackendLike, x, begin, size);
    begin[along] = (begin[along] as number) + s;
    return piece;
  });
};

/**
 * Identity shares its input's memory (a reference count, as the cpu backend does) where WASM's
 * copied it: the gradient tape keeps an Identity of every tensor a backward step needs, so every
 * attention matrix of a training step was held twice (a 2,400-token row peaked at 3.2 GB of the
 * 4 GB heap).
 */
const identityKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as unknown as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

let registered = false;

/** Replaces the WASM backend's Slice, SplitV and Identity by the kernels above (once; the WASM backend must be loaded). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, kernelFunc] of [[tf.Slice, sliceKernel], [tf.SplitV, splitKernel], [tf.Identity, identityKernel]] as const) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
