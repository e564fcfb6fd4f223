export { Bm25Index } from './bm25.js';
export type { Bm25Options } from './bm25.js';
export type { Hit, IndexedDoc, Retriever } from './types.js';
