export {
  averageLength, bagOfWords, bm25Idf, Bm25Index, bm25OpenOptionsSchema, bm25ParametersSchema,
  bm25SearchOptionsSchema, bm25TermScore, bm25Weight, buildBm25Index, buildBm25OptionsSchema,
  lengthToNorm, normInverseTable, normToLength, openBm25Index, parseQuery, saveBm25Index,
  type Bm25Document, type Bm25OpenOptions, type Bm25Options, type Bm25Stats, type BooleanClause,
  type BuildBm25Options, type BuildBm25Result, type ParsedQuery, type QueryNode, type QuerySyntax,
  type TermClause,
} from './bm25/index.js';
export type { Hit, IndexedDoc, Retriever } from './types.js';
export { startRetrievalServer, DEFAULT_SERVER_LIMITS } from './server.js';
export type { RetrievalServerOptions, RunningRetrievalServer } from './server.js';
export { RetrieverClient } from './client.js';
export type { RetrieverClientOptions } from './client.js';
export {
  buildDenseIndex, DenseIndex, DenseRetriever, encodeChecked, encodePassages, FaissIndex,
  FlatScanIndex, getFaissThreads, openVectorIndex, packBatch, packRows, readFlatLayout,
  setFaissThreads, writeFlatIndexFile, type DenseBatch, type DenseBuildOptions,
  type DenseBuildProgress, type DenseConfig, type DenseIndexOptions, type DenseManifest,
  type DenseMatch, type DenseRetrieverOptions, type DenseSource, type EncodePassagesOptions,
  type EncodeTexts, type FaissIndexOptions, type FaissMetric, type FaissSearchResult,
  type FlatFileLayout, type FlatScanOptions, type PackedBatch, type PassageLookup, type ResumePoint,
  type VectorIndex,
} from './dense/index.js';
export { openRetriever, writeRetrieverDescription, retrieverDescriptionSchema, RETRIEVER_FILE } from './open-index.js';
export type { OpenedRetriever, RetrieverDescription } from './open-index.js';
export { openRetrieverSource, type OpenedRetrieverSource } from './open-source.js';
