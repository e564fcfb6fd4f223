export * from './formats/index.js';
export * from './lab-world/index.js';
export * from './hub/index.js';
