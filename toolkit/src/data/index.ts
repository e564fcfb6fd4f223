export * from './lab-world/index.js';
