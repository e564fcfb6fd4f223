/**
 * Micro-batching: requests that arrive within a short window (or until a batch is full) become one
 * call, because local generation costs about the same for a batch as for one sequence. One batch
 * runs at a time; requests that arrive meanwhile wait and form the next batch, so under load the
 * batches fill up by themselves.
 */

export interface MicroBatcherOptions {
  /** Most requests in one batch (default 16). */
  maxBatch?: number;
  /** How long the first request of a batch waits for company, in ms (default 5). */
  windowMs?: number;
}

interface Pending<K, Q, A> {
  kind: K;
  request: Q;
  resolve: (answer: A) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects requests of several kinds (e.g. chat and completion) and runs them through `run` in
 * batches of one kind. When a batch of several fails, its requests are retried one by one, so a
 * single bad request fails alone.
 *
 * @example
 * ```ts
 * const batcher = new MicroBatcher<'chat', string, number>(async (_kind, texts) => texts.map((t) => t.length));
 * const [a, b] = await Promise.all([batcher.submit('chat', 'one'), batcher.submit('chat', 'three')]); // one call: [3, 5]
 * ```
 */
export class MicroBatcher<K, Q, A> {
  private readonly queue: Pending<K, Q, A>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly maxBatch: number;
  private readonly windowMs: number;
  /** Sizes of the batches run so far (for logs and tests). */
  readonly batchSizes: number[] = [];

  constructor(private readonly run: (kind: K, requests: Q[]) => Promise<A[]>, options: MicroBatcherOptions = {}) {
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 16));
    this.windowMs = Math.max(0, options.windowMs ?? 5);
  }

  /**
   * Queues a request for the next batch of its kind. When `signal` aborts before the request's
   * batch starts (its client left), the request leaves the queue and the promise rejects with the
   * signal's reason; once its batch runs, it is answered.
   */
  submit(kind: K, request: Q, signal?: AbortSignal): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const drop = (): void => {
        const at = this.queue.indexOf(pending);
        if (at < 0) return; // already in a batch
        this.queue.splice(at, 1);
        reject(signal?.reason as Error);
      };
      const settle = <T>(finish: (value: T) => void) => (value: T): void => {
        signal?.removeEventListener('abort', drop);
        finish(value);
      };
      const pending: Pending<K, Q, A> = { kind, request, resolve: settle(resolve), reject: settle(reject) };
      signal?.addEventListener('abort', drop, { once: true });
      this.queue.push(pending);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.maxBatch) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const head = this.queue[0];
    if (this.running || head === undefined) return;
    const batch: Pending<K, Q, A>[] = [];
    for (let i = 0; i < this.queue.length && batch.length < this.maxBatch;) {
      if ((this.queue[i] as Pending<K, Q, A>).kind === head.kind) batch.push(...this.queue.splice(i, 1));
      else i++;
    }
    this.running = true;
    this.batchSizes.push(batch.length);
    void this.runBatch(head.kind, batch).finally(() => {
      this.running = false;
      // Requests that queued up while this batch ran have waited long enough: run them now.
      if (this.queue.length > 0) this.flush();
    });
  }

  private async runBatch(kind: K, batch: Pending<K, Q, A>[]): Promise<void> {
    try {
      const answers = await this.run(kind, batch.map((p) => p.request));
      if (answers.length !== batch.length) throw new Error(`a batch of ${batch.length} requests got ${answers.length} answers`);
      batch.forEach((p, i) => p.resolve(answers[i] as A));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const p of batch) await this.runBatch(kind, [p]);
    }
  }
}
