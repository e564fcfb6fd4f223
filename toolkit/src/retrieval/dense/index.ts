/**
 * Dense retrieval: FAISS from Node (a thin native binding), a dense index saved as a
 * directory and built resumably, and the `Retriever` over it.
 *
 * @example
 * ```ts
 * import { buildDenseIndex, DenseRetriever, encodePassages } from '@s3lab/toolkit';
 * const index = await buildDenseIndex(encodePassages(corpus, encode, { dimension: 768, prefix: 'passage: ' }), { directory: 'indexes/e5', dimension: 768, encoder: 'intfloat/e5-base-v2' });
 * const retriever = new DenseRetriever({ index, encode, passages: corpus, queryPrefix: 'query: ' });
 * ```
 */
export { FaissIndex, setFaissThreads, getFaissThreads } from './faiss.js';
export type { FaissIndexOptions, FaissMetric, FaissSearchResult } from './faiss.js';
export { DenseIndex } from './dense-index.js';
export type { DenseIndexOptions, DenseMatch } from './dense-index.js';
export { buildDenseIndex } from './build.js';
export type { DenseBuildOptions, DenseBuildProgress, DenseSource } from './build.js';
export { encodePassages, encodeChecked } from './encode.js';
export type { EncodeTexts, EncodePassagesOptions, ResumePoint } from './encode.js';
export { DenseRetriever } from './retriever.js';
export type { DenseRetrieverOptions, PassageLookup } from './retriever.js';
export { packRows, packBatch } from './vectors.js';
export type { DenseBatch, PackedBatch } from './vectors.js';
export type { DenseManifest, DenseConfig } from './manifest.js';
export { FlatScanIndex } from './flat-scan.js';
export type { FlatScanOptions, VectorIndex } from './flat-scan.js';
export { readFlatLayout, writeFlatIndexFile } from './flat-file.js';
export type { FlatFileLayout } from './flat-file.js';
export { openVectorIndex } from './open-vector-index.js';
