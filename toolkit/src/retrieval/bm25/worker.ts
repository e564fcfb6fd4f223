/**
 * A search thread: receives the index arrays once (SharedArrayBuffers, no copy), then answers
 * batches of queries with doc numbers and scores; the main thread turns those into hits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Bm25Data } from './index-data.js';
import { parseQuery, type QuerySyntax } from './query.js';
import { Bm25Scorer } from './scorer.js';

export interface WorkerRequest {
  job: number;
  queries: string[];
  k: number;
  syntax: QuerySyntax;
}

export interface WorkerReply {
  job: number;
  results: { docs: number[]; scores: number[] }[];
}

const scorer = new Bm25Scorer(workerData as Bm25Data);
parentPort?.on('message', ({ job, queries, k, syntax }: WorkerRequest) => {
  const results = queries.map((q) => scorer.topK(parseQuery(q, syntax).query, k));
  parentPort?.postMessage({ job, results } satisfies WorkerReply);
});
