/**
 * The kernel's side of Jupyter's messaging (spec 5.3): the five ZeroMQ sockets of a connection
 * file, requests on shell handled one at a time in arrival order, requests on control handled
 * at once (so that an interrupt or a shutdown does not wait behind a running cell), a `status`
 * message `busy` before and `idle` after every request, and the execution queue aborted after
 * a failed `execute_request` that asked for it (`stop_on_error`, true unless the request says
 * false): execute requests already queued then get an `aborted` reply without running.
 *
 * What each request means is up to the handlers passed to `serve`; a request without a handler
 * gets no reply (the spec allows that), only busy/idle.
 *
 * @example
 * ```ts
 * const server = new KernelServer(connection, { log: (line) => process.stderr.write(`${line}\n`) });
 * await server.bind();
 * server.serve({ kernel_info_request: async () => ({ reply: kernelInfo() }) });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Publisher, Reply, Router } from 'zeromq';
import { loadZeroMq } from '../tslab.js';
import { newHeader, WireCodec, type ConnectionInfo, type Header, type Message } from './wire.js';

/** What a handler did: its reply's content (none: no reply), and whether queued executions must be aborted. */
export interface Handled {
  reply?: Record<string, unknown>;
  abortQueue?: boolean;
  /** Runs once the reply is sent (a shutdown closes the sockets then). */
  after?: () => Promise<void> | void;
}

export type RequestHandler = (request: Message) => Promise<Handled>;

export interface ServerOptions {
  /** The kernel's own log (not a cell's output): decode failures, unknown message types. */
  log: (line: string) => void;
  /** The execution counter, for the `execution_count` of aborted execute replies. */
  executionCount?: () => number;
}

type Sockets = { iopub: Publisher; shell: Router; control: Router; stdin: Router; hb: Reply };

export class KernelServer {
  /** This kernel's session id: the `session` of every message it sends. */
  readonly session = randomUUID();
  readonly #connection: ConnectionInfo;
  readonly #codec: WireCodec;
  readonly #options: ServerOptions;
  #sockets: Sockets | undefined;
  readonly #queue: Message[] = [];
  #draining = false;
  /** msg_ids of queued execute requests to answer `aborted` (stop_on_error after a failure). */
  readonly #aborted = new Set<string>();
  #handlers: Record<string, RequestHandler> = {};

  constructor(connection: ConnectionInfo, options: ServerOptions) {
    this.#connection = connection;
    this.#codec = new WireCodec(connection);
    this.#options = options;
  }

  /** Binds the sockets of the connection file and publishes `starting` (once, as the spec asks). */
  async bind(): Promise<void> {
    const zmq = loadZeroMq();
    const sockets: Sockets = { iopub: new zmq.Publisher(), shell: new zmq.Router(), control: new zmq.Router(), stdin: new zmq.Router(), hb: new zmq.Reply() };
    this.#sockets = sockets;
    const c = this.#connection;
    await Promise.all([
      sockets.iopub.bind(this.#address(c.iopub_port)),
      sockets.shell.bind(this.#address(c.shell_port)),
      sockets.control.bind(this.#address(c.control_port)),
      sockets.stdin.bind(this.#address(c.stdin_port)),
      sockets.hb.bind(this.#address(c.hb_port)),
    ]);
    this.publish('status', { execution_state: 'starting' }, {});
  }

  #address(port: number): string {
    const { transport, ip } = this.#connection;
    return transport === 'ipc' ? `ipc://${ip}-${port}` : `${transport}://${ip}:${port}`;
  }

  /** Starts answering: shell requests in order, control requests at once, heartbeats echoed. */
  serve(handlers: Record<string, RequestHandler>): void {
    const sockets = this.#required();
    this.#handlers = handlers;
    void this.#receive(sockets.shell, (message) => {
      this.#queue.push(message);
      void this.#drain();
    });
    void this.#receive(sockets.control, (message) => void this.#handle(sockets.control, message));
    void (async () => {
      for await (const frames of sockets.hb) await sockets.hb.send(frames);
    })().catch((error: unknown) => this.#logError('heartbeat', error));
  }

  /** Sends an IOPub message; its topic is `kernel.<session>.<msg_type>`, as ipykernel's. */
  publish(msgType: string, content: Record<string, unknown>, parent: Header | Record<string, never>): void {
    const iopub = this.#sockets?.iopub;
    if (!iopub) return;
    const frames = this.#codec.encode({ identities: [Buffer.from(`kernel.${this.session}.${msgType}`)], header: newHeader(msgType, this.session), parent_header: parent, metadata: {}, content });
    iopub.send(frames).catch((error: unknown) => this.#logError(`sending ${msgType}`, error));
  }

  close(): void {
    const sockets = this.#sockets;
    this.#sockets = undefined;
    if (sockets) for (const socket of Object.values(sockets)) socket.close();
  }

  #required(): Sockets {
    if (!this.#sockets) throw new Error('the kernel server is not bound');
    return this.#sockets;
  }

  async #receive(socket: Router, accept: (message: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        try {
          accept(this.#codec.decode(frames));
        } catch (error) {
          this.#logError('a message was dropped', error);
        }
      }
    } catch (error) {
      if (this.#sockets) this.#logError('receiving', error);
    }
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let message = this.#queue.shift(); message; message = this.#queue.shift()) {
        const shell = this.#sockets?.shell;
        if (!shell) return;
        await this.#handle(shell, message);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #handle(socket: Router, request: Message): Promise<void> {
    const type = request.header.msg_type;
    const replyType = type.replace(/_request$/u, '_reply');
    this.publish('status', { execution_state: 'busy' }, request.header);
    let after: Handled['after'];
    try {
      if (this.#aborted.delete(request.header.msg_id)) {
        await this.#reply(socket, request, replyType, { status: 'aborted', execution_count: this.#options.executionCount?.() ?? 0 });
        return;
      }
      const handler = this.#handlers[type];
      if (!handler) {
        this.#options.log(`s3lab kernel: no handler for ${type}; no reply sent`);
        return;
      }
      let handled: Handled;
      try {
        handled = await handler(request);
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        handled = { reply: { status: 'error', ename: e.name, evalue: e.message, traceback: (e.stack ?? `${e.name}: ${e.message}`).split('\n') } };
      }
      if (handled.reply) await this.#reply(socket, request, replyType, handled.reply);
      if (handled.abortQueue) await this.#abortQueued();
      after = handled.after;
    } catch (error) {
      this.#logError(`handling ${type}`, error);
    } finally {
      this.publish('status', { execution_state: 'idle' }, request.header);
    }
    await after?.();
  }

  async #reply(socket: Router, request: Message, msgType: string, content: Record<string, unknown>): Promise<void> {
    const frames = this.#codec.encode({ identities: request.identities, header: newHeader(msgType, this.session), parent_header: request.header, metadata: {}, content });
    await socket.send(frames);
  }

  /**
   * stop_on_error: every execute request that has arrived by now is answered `aborted` when its
   * turn comes. One event-loop turn first lets ZeroMQ hand over requests already on the wire
   * (a notebook's "run all" sends every cell at once). Later requests run as usual.
   */
  async #abortQueued(): Promise<void> {
    await nextTurn();
    for (const queued of this.#queue) {
      if (queued.header.msg_type === 'execute_request') this.#aborted.add(queued.header.msg_id);
    }
  }

  #logError(what: string, error: unknown): void {
    this.#options.log(`s3lab kernel: ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
