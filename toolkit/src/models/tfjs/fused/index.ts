export { runKernel, countDispatches, type KernelSpec, type KernelUniform } from './program.js';
export { setFusedKernels, fusedKernelsActive } from './switch.js';
export { fusedRmsNorm } from './rms-norm.js';
export { fusedSwiglu } from './swiglu.js';
export { fusedRope } from './rope.js';
export { fusedMaskedSoftmax } from './masked-softmax.js';
export { targetLogProbs } from './token-log-probs.js';
export { positionsById, segmentSumRows, type PositionsById } from './embedding-gradient.js';
export { sumOfSquares } from './sum-of-squares.js';
