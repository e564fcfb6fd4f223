/**
 * Admission control for a server: at most `maxInFlight` requests are worked on at once and at
 * most `maxQueue` wait for a turn, first come first served; a request beyond both is refused at
 * once (the server answers 503) rather than left to wait for a client's timeout. A waiting request
 * whose client goes away leaves the queue and never starts.
 */

export interface AdmissionLimits {
  /** Requests worked on at once (at least 1). */
  maxInFlight: number;
  /** Requests waiting for a turn (0: none wait). */
  maxQueue: number;
}

/** How busy the gate is now. */
export interface AdmissionLoad extends AdmissionLimits {
  inFlight: number;
  queued: number;
}

/** Thrown by `enter` when every slot and every queue place is taken. */
export class AdmissionFullError extends Error {
  override name = 'AdmissionFullError';
  constructor(readonly limits: AdmissionLimits) {
    super(`at its limits: max in flight ${limits.maxInFlight}, max queue ${limits.maxQueue}`);
  }
}

interface Waiter {
  start: () => void;
  onAbort: () => void;
}

/**
 * A counting gate with a bounded FIFO queue.
 *
 * @example
 * ```ts
 * const gate = new AdmissionGate({ maxInFlight: 2, maxQueue: 8 });
 * const leave = await gate.enter(signal); // throws AdmissionFullError, or the signal's reason
 * try { await work(); } finally { leave(); }
 * ```
 */
export class AdmissionGate {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limits: AdmissionLimits) {
    if (!Number.isInteger(limits.maxInFlight) || limits.maxInFlight < 1) throw new RangeError(`AdmissionGate: maxInFlight must be an integer >= 1; got ${limits.maxInFlight}`);
    if (!Number.isInteger(limits.maxQueue) || limits.maxQueue < 0) throw new RangeError(`AdmissionGate: maxQueue must be an integer >= 0; got ${limits.maxQueue}`);
  }

  load(): AdmissionLoad {
    return { ...this.limits, inFlight: this.inFlight, queued: this.queue.length };
  }

  /**
   * Resolves with the function that gives the slot back once the request may start; rejects with
   * `AdmissionFullError` when the queue is full, or with the signal's reason when the client left
   * while waiting.
   */
  enter(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.inFlight < this.limits.maxInFlight) {
      this.inFlight += 1;
      return Promise.resolve(this.leaver());
    }
    if (this.queue.length >= this.limits.maxQueue) return Promise.reject(new AdmissionFullError(this.limits));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener('abort', waiter.onAbort);
          resolve(this.leaver());
        },
        onAbort: () => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          reject(signal.reason as Error);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Gives a slot back at most once, and hands it to the next waiter whose client is still there. */
  private leaver(): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.queue.shift();
      if (next) next.start(); // the slot passes on: inFlight is unchanged
      else this.inFlight -= 1;
    };
  }
}
