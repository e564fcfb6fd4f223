/**
 * Worker threads that share one index (its arrays in SharedArrayBuffers) and split batches of
 * queries with the calling thread. Threads are started on the first batch and unref'd while idle,
 * so an open searcher never keeps a process alive.
 *
 * Why a batch is one message per worker and a shared counter: handing out chunks from the main
 * thread needs the main thread to be free to hand them out, but it searches its own share too, so
 * workers sat idle waiting for their next chunk (two threads were slower than one). Now every
 * thread, the caller's included, claims the next chunk of queries itself with Atomics.add on one
 * shared Int32 until none are left (so the load balances whatever each query costs), and each
 * worker replies once, with its results packed in transferred typed arrays.
 */
import { Worker } from 'node:worker_threads';
import type { Bm25Data } from './index-data.js';
import type { QuerySyntax } from './query.js';
import { startModuleWorker } from '../../core/worker-thread.js';
import { claimAll, type Bm25WorkerData, type WorkerReply, type WorkerRequest } from './worker.js';

export type Result = { docs: number[]; scores: number[] };

function startWorker(index: Bm25Data): Worker {
  const data: Bm25WorkerData = { role: 'bm25-scorer', index };
  return startModuleWorker(new URL('./worker.js', import.meta.url), data);
}

export class SearchPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  private nextJob = 0;
  private running = 0;
  private failure: Error | undefined;

  constructor(data: Bm25Data, threads: number) {
    this.workers = Array.from({ length: threads }, () => {
      const worker = startWorker(data);
      worker.unref();
      worker.on('message', (reply: WorkerReply) => {
        this.pending.get(reply.job)?.resolve(reply);
        this.pending.delete(reply.job);
      });
      worker.on('error', (error) => {
        this.failure = error;
        for (const { reject } of this.pending.values()) reject(error);
        this.pending.clear();
      });
      return worker;
    });
  }

  get threads(): number {
    return this.workers.length;
  }

  /**
   * Results of every query, in order: the workers and this thread (through `searchHere`) claim
   * chunks of the batch until it is done.
   *
   * @example
   * ```ts
   * const pool = new SearchPool(sharedData, 1);
   * const results = await pool.search(queries, 10, 'boolean', (q) => scorer.topK(parseQuery(q).query, 10));
   * ```
   */
  async search(queries: string[], k: number, syntax: QuerySyntax, searchHere: (query: string) => Result): Promise<Result[]> {
    if (this.failure) throw this.failure;
    const results = new Array<Result>(queries.length);
    if (queries.length === 0) return results;
    // Small chunks balance the load; 8 per thread keeps the counter traffic negligible.
    const chunk = Math.max(1, Math.min(32, Math.floor(queries.length / ((this.workers.length + 1) * 8))));
    const next = new Int32Array(new SharedArrayBuffer(4));
    if (this.running++ === 0) for (const w of this.workers) w.ref();
    try {
      const replies = this.workers.map((worker) => {
        const job = this.nextJob++;
        return new Promise<WorkerReply>((resolve, reject) => {
          this.pending.set(job, { resolve, reject });
          worker.postMessage({ job, queries, k, syntax, next, chunk } satisfies WorkerRequest);
        });
      });
      claimAll({ queries, next, chunk }, (query, i) => (results[i] = searchHere(query)));
      for (const reply of await Promise.all(replies)) unpack(reply, results);
      return results;
    } finally {
      if (--this.running === 0) for (const w of this.workers) w.unref();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function unpack(reply: WorkerReply, results: Result[]): void {
  const { queries, offsets, docs, scores } = reply;
  for (let i = 0; i < queries.length; i++) {
    const from = offsets[i] as number;
    const to = offsets[i + 1] as number;
    results[queries[i] as number] = { docs: Array.from(docs.subarray(from, to)), scores: Array.from(scores.subarray(from, to)) };
  }
}
