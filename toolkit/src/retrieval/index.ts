export * from './bm25/index.js';
export type { Hit, IndexedDoc, Retriever } from './types.js';
export { startRetrievalServer, DEFAULT_SERVER_LIMITS } from './server.js';
export type { RetrievalServerOptions, RunningRetrievalServer } from './server.js';
export { RetrieverClient } from './client.js';
export type { RetrieverClientOptions } from './client.js';
export * from './dense/index.js';
export { openRetriever, writeRetrieverDescription, retrieverDescriptionSchema, RETRIEVER_FILE } from './open-index.js';
export type { OpenedRetriever, RetrieverDescription } from './open-index.js';
