/**
 * A search thread: receives the index arrays once (SharedArrayBuffers, no copy), then, for each
 * batch, claims chunks of queries from a counter it shares with the other threads (Atomics.add)
 * until none are left, and answers once with everything it searched, packed in typed arrays that
 * are transferred, not copied. The main thread turns doc numbers into hits.
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
  /** One Int32 in a SharedArrayBuffer: the next unclaimed query, shared by every searching thread. */
  next: Int32Array;
  chunk: number;
}

/** The answers of one thread, packed: query `queries[i]` has hits [offsets[i], offsets[i + 1]) of docs / scores. */
export interface WorkerReply {
  job: number;
  queries: Uint32Array;
  offsets: Uint32Array;
  docs: Uint32Array;
  scores: Float64Array;
}

/** Claims chunks of the batch until it is exhausted; `search` answers one query. */
export function claimAll(
  request: Pick<WorkerRequest, 'queries' | 'next' | 'chunk'>,
  search: (query: string, i: number) => void,
): void {
  const total = request.queries.length;
  for (let at = Atomics.add(request.next, 0, request.chunk); at < total; at = Atomics.add(request.next, 0, request.chunk)) {
    const end = Math.min(total, at + request.chunk);
    for (let i = at; i < end; i++) search(request.queries[i] as string, i);
  }
}

/** What the pool hands its workers: tagged, since this module is also imported by threads that are not BM25 workers. */
export interface Bm25WorkerData {
  role: 'bm25-scorer';
  index: Bm25Data;
}

const data = workerData as Partial<Bm25WorkerData> | undefined;
if (parentPort && data?.role === 'bm25-scorer' && data.index) {
  const port = parentPort;
  const scorer = new Bm25Scorer(data.index);
  port.on('message', (request: WorkerRequest) => {
    const taken: number[] = [];
    const results: { docs: number[]; scores: number[] }[] = [];
    claimAll(request, (query, i) => {
      taken.push(i);
      results.push(scorer.topK(parseQuery(query, request.syntax).query, request.k));
    });
    const offsets = new Uint32Array(taken.length + 1);
    results.forEach((r, i) => (offsets[i + 1] = (offsets[i] as number) + r.docs.length));
    const docs = new Uint32Array(offsets[taken.length] as number);
    const scores = new Float64Array(docs.length);
    results.forEach((r, i) => {
      docs.set(r.docs, offsets[i]);
      scores.set(r.scores, offsets[i]);
    });
    const queries = Uint32Array.from(taken);
    const reply: WorkerReply = { job: request.job, queries, offsets, docs, scores };
    port.postMessage(reply, [queries.buffer, offsets.buffer, docs.buffer, scores.buffer]);
  });
}
