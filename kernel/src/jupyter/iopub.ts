/**
 * Where a cell's side effects go: IOPub messages whose parent is the execute request that ran
 * the cell. Output written after the request finished (a timer, a background promise) still
 * goes to that request, as in ipykernel, until the next execute request starts.
 *
 * Streams are coalesced: writes are sent as one `stream` message at most every `flushMs`
 * (a cell printing in a loop sends tens of messages, not thousands), and always before any other
 * message, so that text and displays keep their order. A write also flushes once the buffer is
 * `flushMs` old, so a cell that blocks the event loop still streams while it prints.
 *
 * @example
 * ```ts
 * const out = new IopubRouter((type, content, parent) => console.log(type, content, parent.msg_id));
 * out.begin(request.header, false);
 * out.stream('stdout', 'hello\n');
 * out.flush(); // stream { name: 'stdout', text: 'hello\n' }
 * ```
 */
import type { MimeBundle } from '@s3lab/toolkit';
import type { Header } from './wire.js';

export type Publish = (msgType: string, content: Record<string, unknown>, parent: Header) => void;

type StreamName = 'stdout' | 'stderr';

export class IopubRouter {
  readonly #publish: Publish;
  readonly #flushMs: number;
  #parent: Header | undefined;
  #silent = false;
  #buffer: { name: StreamName; text: string; since: number } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(publish: Publish, options: { flushMs?: number } = {}) {
    this.#publish = publish;
    this.#flushMs = options.flushMs ?? 50;
  }

  /** Outputs belong to `parent` from now on; a silent request broadcasts none (messaging spec: `silent`). */
  begin(parent: Header, silent: boolean): void {
    this.flush();
    this.#parent = parent;
    this.#silent = silent;
  }

  /** Whether an execute request has started (before that, output is the kernel's own log). */
  get active(): boolean {
    return this.#parent !== undefined;
  }

  stream(name: StreamName, text: string): void {
    if (!this.#parent || this.#silent || text === '') return;
    if (this.#buffer && this.#buffer.name !== name) this.flush();
    if (this.#buffer) this.#buffer.text += text;
    else this.#buffer = { name, text, since: Date.now() };
    if (Date.now() - this.#buffer.since >= this.#flushMs) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#flushMs);
  }

  /** `display_data`, or `update_display_data` for an output shown earlier under `id`. */
  display(bundle: MimeBundle, id: string, update: boolean): void {
    this.send(update ? 'update_display_data' : 'display_data', { data: bundle, metadata: {}, transient: { display_id: id } });
  }

  /** Any other IOPub message of the current request (execute_result, error), after the buffered text. */
  send(msgType: string, content: Record<string, unknown>): void {
    if (!this.#parent || this.#silent) return;
    this.flush();
    this.#publish(msgType, content, this.#parent);
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const buffer = this.#buffer;
    this.#buffer = undefined;
    if (buffer && this.#parent) this.#publish('stream', { name: buffer.name, text: buffer.text }, this.#parent);
  }
}
