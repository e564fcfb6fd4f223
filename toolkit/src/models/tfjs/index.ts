export { useTfjsBackend, TFJS_BACKENDS, type TfjsBackendName, tf } from './backend.js';
export { resolveDevice, deviceFromEnvironment, findGpuAdapter, graphicsStackReport, S3LAB_DEVICES } from './device.js';
export type { S3labDevice, ResolvedDevice, GpuAdapterDescription } from './device.js';
export { matMul, registerMatMulGradient } from './matmul.js';
export { ScaledAdam } from './adam.js';
export { setTiledMatMul } from './webgpu-matmul.js';
export * from './fused/index.js';
