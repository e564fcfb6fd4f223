/**
 * Worker threads that share one index (its arrays in SharedArrayBuffers) and split batches of
 * queries between them. Threads are started on the first batch and unref'd while idle, so an
 * open searcher never keeps a process alive.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Bm25Data } from './index-data.js';
import type { QuerySyntax } from './query.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

type Result = { docs: number[]; scores: number[] };

interface Slot {
  worker: Worker;
  busy: boolean;
}

// Built, the worker is worker.js. In the source tree it is worker.ts, and a worker thread does not
// inherit tsx's loader hooks, so a two-line bootstrap registers them before importing it.
const FROM_SOURCE = fileURLToPath(import.meta.url).endsWith('.ts');

function startWorker(data: Bm25Data): Worker {
  if (!FROM_SOURCE) return new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

export class SearchPool {
  private readonly slots: Slot[];
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  private readonly waiting: (() => void)[] = [];
  private nextJob = 0;
  private failure: Error | undefined;

  constructor(data: Bm25Data, threads: number) {
    this.slots = Array.from({ length: threads }, () => {
      const worker = startWorker(data);
      worker.unref();
      worker.on('message', (reply: WorkerReply) => this.pending.get(reply.job)?.(reply));
      worker.on('error', (error) => {
        this.failure = error;
        for (const resolve of this.pending.values()) resolve({ job: -1, results: [] });
      });
      return { worker, busy: false };
    });
  }

  get threads(): number {
    return this.slots.length;
  }

  /** Results of every query, in order; the batch is cut into chunks handed to whichever thread is free. */
  async search(queries: string[], k: number, syntax: QuerySyntax): Promise<Result[]> {
    if (queries.length === 0) return [];
    const chunk = Math.max(1, Math.ceil(queries.length / (this.slots.length * 4)));
    const parts: Promise<Result[]>[] = [];
    for (let at = 0; at < queries.length; at += chunk) parts.push(this.run(queries.slice(at, at + chunk), k, syntax));
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private async run(queries: string[], k: number, syntax: QuerySyntax): Promise<Result[]> {
    const slot = await this.acquire();
    try {
      const job = this.nextJob++;
      const reply = await new Promise<WorkerReply>((resolve) => {
        this.pending.set(job, resolve);
        slot.worker.postMessage({ job, queries, k, syntax } satisfies WorkerRequest);
      });
      this.pending.delete(job);
      if (this.failure) throw this.failure;
      return reply.results;
    } finally {
      this.release(slot);
    }
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        free.worker.ref();
        return free;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(slot: Slot): void {
    slot.busy = false;
    slot.worker.unref();
    this.waiting.shift()?.();
  }
}
