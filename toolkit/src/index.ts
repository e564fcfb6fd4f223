/**
 * @s3lab/toolkit — everything the s3 method needs, one folder per concern.
 *
 * @example
 * ```ts
 * import { exactMatch, spanMatch } from '@s3lab/toolkit';
 * spanMatch('It was Paris, France.', ['paris']); // true
 * ```
 */
export * from './core/index.js';
export * from './text/index.js';
export * from './data/index.js';
export * from './models/index.js';
export * from './retrieval/index.js';
export * from './reward/index.js';
export * from './agent/index.js';
export * from './rl/index.js';
export * from './eval/index.js';
export * from './pipelines/index.js';
export * from './display/index.js';
export * from './llm/index.js';
