/**
 * A tiled WGSL matrix product for tfjs's WebGPU backend, registered as its `BatchMatMul`
 * kernel (so autodiff and every caller of tf.matMul use it) for the products it is faster at.
 * tfjs's own program computes a 32×32 output tile per workgroup, 4×4 per thread. This one
 * computes a 128×128 tile per workgroup of 16×16 threads, 8×8 per thread, from 8-deep slices
 * of A and B staged in workgroup memory (four times the arithmetic per value loaded); threads
 * own rows ty + 16i and columns tx + 16j, so workgroup-memory reads are conflict-free and
 * global writes coalesce.
 *
 * Measured on an H200 (bench/gpu, per-kernel timestamps of a 0.5B model's SFT step and of the
 * flat search): it is faster only when B is transposed (A·Bᵀ: the search's queries × shardᵀ
 * 89 → 59 ms, x·Wᵀ products 16–34% faster), where tfjs's kernel reads B across rows; for plain
 * and Aᵀ·B products tfjs's kernel was 30–70% faster, so those stay with it. In the matmul rows:
 * 4096² A·Bᵀ 13.7 → 21.0 TFLOP/s, 2048² 12.3 → 18.2. Also left to tfjs: non-float32 buffers,
 * broadcast batch dimensions, outputs of fewer than 128 tiles or with a side under 128 (the
 * tied head's 4 × 151,936 logits: a 128-row tile would idle 124 of its rows), depths under 256.
 */
import * as tf from '@tensorflow/tfjs-core';

const TILE = 128;
const DEPTH = 8;
/** Below this many 128×128 output tiles, tfjs's smaller tiles keep more of the GPU busy (1024² A·Bᵀ: 64 tiles, 6.6 vs 8.0 TFLOP/s). */
const MIN_TILES = 128;
/** Shorter products (attention's q·kᵀ over 64-wide heads) spend more on staging than they gain. */
const MIN_DEPTH = 256;

let enabled = true;
let original: tf.KernelConfig | undefined;

/** Turns the tiled product on or off (the benchmark measures both); on by default. */
export function setTiledMatMul(on: boolean): void {
  enabled = on;
}

interface TiledProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms: string;
  getUserCode(): string;
}

interface WebGpuBackendLike {
  tensorMap: { get(dataId: object): { dtype: string } | undefined };
  runWebGPUProgram(program: TiledProgram, inputs: tf.TensorInfo[], outputDtype: 'float32', uniforms: Array<{ type: 'int32'; data: number[] }>): tf.TensorInfo;
}

function tiledProgram(outputShape: number[], batch: number, m: number, n: number, transposeA: boolean, transposeB: boolean): TiledProgram {
  // Staging loads walk each operand along its contiguous axis, so neighbouring threads read neighbouring floats.
  const loadA = transposeA
    ? 'let k = idx / TILE; let m = idx % TILE;'
    : 'let m = idx / DEPTH; let k = idx % DEPTH;';
  const loadB = transposeB
    ? 'let n = idx / DEPTH; let k = idx % DEPTH;'
    : 'let k = idx / TILE; let n = idx % TILE;';
  const readA = transposeA ? 'A[base + k * uniforms.dimM + m]' : 'A[base + m * uniforms.dimK + k]';
  const readB = transposeB ? 'B[base + n * uniforms.dimK + k]' : 'B[base + k * uniforms.dimN + n]';
  return {
    variableNames: ['A', 'B'],
    outputShape,
    shaderKey: `s3lab_tiled_matmul_${transposeA}_${transposeB}`,
    dispatchLayout: { x: [outputShape.length - 1], y: [outputShape.length - 2], z: outputShape.slice(0, -2).map((_, i) => i) },
    dispatch: [Math.ceil(n / TILE), Math.ceil(m / TILE), batch],
    workgroupSize: [16, 16, 1],
    uniforms: 'dimM : i32, dimK : i32, dimN : i32,',
    getUserCode: () => `
      const TILE = ${TILE};
      const DEPTH = ${DEPTH};
      var<workgroup> tileA : array<f32, ${TILE * DEPTH}>;
      var<workgroup> tileB : array<f32, ${TILE * DEPTH}>;

      fn readA(batch : i32, m : i32, k : i32) -> f32 {
        if (m >= uniforms.dimM || k >= uniforms.dimK) { return 0.0; }
        let base = batch * uniforms.dimM * uniforms.dimK;
        return ${readA};
      }

      fn readB(batch : i32, k : i32, n : i32) -> f32 {
        if (k >= uniforms.dimK || n >= uniforms.dimN) { return 0.0; }
        let base = batch * uniforms.dimK * uniforms.dimN;
        return ${readB};
      }

      fn main() {
        let batch = i32(workgroupId.z);
        let rowStart = i32(workgroupId.y) * TILE;
        let colStart = i32(workgroupId.x) * TILE;
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let tid = ty * 16 + tx;
        var acc : array<array<f32, 8>, 8>;
        for (var i = 0; i < 8; i++) {
          for (var j = 0; j < 8; j++) { acc[i][j] = 0.0; }
        }
        var a : array<f32, 8>;
        var b : array<f32, 8>;
        for (var k0 = 0; k0 < uniforms.dimK; k0 = k0 + DEPTH) {
          for (var l = 0; l < 4; l++) {
            let idx = tid + l * 256;
            {
              ${loadA}
              tileA[k * TILE + m] = readA(batch, rowStart + m, k0 + k);
            }
            {
              ${loadB}
              tileB[k * TILE + n] = readB(batch, k0 + k, colStart + n);
            }
          }
          workgroupBarrier();
          for (var k = 0; k < DEPTH; k++) {
            for (var i = 0; i < 8; i++) { a[i] = tileA[k * TILE + ty + i * 16]; }
            for (var j = 0; j < 8; j++) { b[j] = tileB[k * TILE + tx + j * 16]; }
            for (var i = 0; i < 8; i++) {
              for (var j = 0; j < 8; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
            }
          }
          workgroupBarrier();
        }
        let outBase = batch * uniforms.dimM * uniforms.dimN;
        for (var i = 0; i < 8; i++) {
          let row = rowStart + ty + i * 16;
          if (row < uniforms.dimM) {
            for (var j = 0; j < 8; j++) {
              let col = colStart + tx + j * 16;
              if (col < uniforms.dimN) { result[outBase + row * uniforms.dimN + col] = acc[i][j]; }
            }
          }
        }
      }`,
  };
}

/**
 * Registers the tiled product as the webgpu backend's BatchMatMul (once; the webgpu backend
 * must be registered first). tfjs's own kernel stays behind it for the products it leaves.
 */
export function registerTiledMatMul(): void {
  if (original) return;
  const existing = tf.getKernel(tf.BatchMatMul, 'webgpu');
  if (!existing) throw new Error('registerTiledMatMul: tfjs-backend-webgpu is not loaded');
  original = existing;
  tf.unregisterKernel(tf.BatchMatMul, 'webgpu');
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const batchA = a.shape.slice(0, -2);
      const batchB = b.shape.slice(0, -2);
      const batch = batchA.reduce((x, y) => x * y, 1);
      const m = (transposeA ? a.shape.at(-1) : a.shape.at(-2)) as number;
      const k = (transposeA ? a.shape.at(-2) : a.shape.at(-1)) as number;
      const n = (transposeB ? b.shape.at(-2) : b.shape.at(-1)) as number;
      const tiles = batch * Math.ceil(m / TILE) * Math.ceil(n / TILE);
      const backend = args.backend as unknown as WebGpuBackendLike;
      // The buffer's own type: a tensor cast from int32 (a one-hot) can still hold int32 data.
      const stored = (info: tf.TensorInfo) => backend.tensorMap.get(info.dataId)?.dtype;
      const suitable = enabled && transposeB && !transposeA && stored(a) === 'float32' && stored(b) === 'float32'
        && batchA.join() === batchB.join() && tiles >= MIN_TILES && k >= MIN_DEPTH && m >= TILE && n >= TILE;
      if (!suitable) return (original as tf.KernelConfig).kernelFunc(args);
      const program = tiledProgram([...batchA, m, n], batch, m, n, transposeA, transposeB);
      return backend.runWebGPUProgram(program, [a, b], 'float32', [m, k, n].map((value) => ({ type: 'int32', data: [value] })));
    },
  });
}
