export { useTfjsBackend, TFJS_BACKENDS, type TfjsBackendName, tf } from './backend.js';
export { matMul, registerMatMulGradient } from './matmul.js';
