export { Bm25Index } from './bm25.js';
export type { Bm25Options } from './bm25.js';
export type { Hit, IndexedDoc, Retriever } from './types.js';
export { startRetrievalServer, DEFAULT_SERVER_LIMITS } from './server.js';
export type { RetrievalServerOptions, RunningRetrievalServer } from './server.js';
export { RetrieverClient } from './client.js';
export type { RetrieverClientOptions } from './client.js';
