/**
 * `execute_request` as the messaging spec (5.3, "Execute") describes it, over an s3lab session:
 * the execution counter (one per request that stores history), `execute_input` before the cell
 * runs, the cell's output as IOPub messages, `execute_result` for the value of its last
 * expression (a table or plot as its own MIME bundle), and, when it fails, an `error` message
 * and an error reply, both with `ename`, `evalue` and `traceback` (TypeScript diagnostics are an
 * error too: `TypeScriptError`).
 *
 * @example
 * ```ts
 * const cells = new CellRunner(router);
 * const { reply } = await cells.execute({ code: '1 + 1' }, request.header);
 * reply; // { status: 'ok', execution_count: 1, payload: [], user_expressions: {} }
 * ```
 */
import { errorOutput } from '../runner/errors.js';
import { createSession, type CellError, type Session } from '../session.js';
import type { IopubRouter } from './iopub.js';
import type { Header } from './wire.js';

export interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  user_expressions?: Record<string, string>;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
}

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface ExecuteOutcome {
  reply: Record<string, unknown>;
  /** The cell failed (the reply's status is 'error'). */
  failed: boolean;
}

export class CellRunner {
  readonly #router: IopubRouter;
  readonly #session: Promise<Session>;
  #running: { error?: CellError } | undefined;
  #count = 0;
  /** The code of each request that stored history, by execution count - 1. */
  readonly history: string[] = [];

  /** Starts loading the session (the toolkit takes seconds); requests wait for it. */
  constructor(router: IopubRouter) {
    this.#router = router;
    let startupError: CellError | undefined;
    this.#session = createSession({
      onError: (error) => {
        if (this.#running) this.#running.error ??= error;
        else startupError ??= error;
      },
      onResult: (_value, bundle) => this.#router.send('execute_result', { execution_count: this.#count, data: bundle, metadata: {} }),
    }).catch((error: unknown) => {
      const cause = startupError ? ` (${describe(startupError)})` : '';
      throw new Error(`${(error as Error).message}${cause}`);
    });
    this.#session.catch(() => undefined); // reported by the first execute request, not as an unhandled rejection
  }

  /** The execution counter: how many requests stored history so far. */
  get count(): number {
    return this.#count;
  }

  async execute(request: ExecuteRequest, parent: Header): Promise<ExecuteOutcome> {
    const code = typeof request.code === 'string' ? request.code : '';
    const silent = request.silent === true;
    // silent forces store_history off (spec); otherwise it defaults to true.
    if (!silent && request.store_history !== false) {
      this.#count += 1;
      this.history.push(code);
    }
    const count = this.#count;
    this.#router.begin(parent, silent);
    this.#router.send('execute_input', { code, execution_count: count });
    const running: { error?: CellError } = {};
    this.#running = running;
    let ok: boolean;
    try {
      ok = await (await this.#session).execute(code);
    } catch (error) {
      running.error ??= { kind: 'thrown', value: error };
      ok = false;
    } finally {
      this.#running = undefined;
    }
    if (ok) {
      this.#router.flush();
      return { reply: { status: 'ok', execution_count: count, payload: [], user_expressions: unevaluated(request.user_expressions) }, failed: false };
    }
    const error = errorContent(running.error ?? { kind: 'thrown', value: new Error('the cell failed without reporting an error') });
    this.#router.send('error', { ...error });
    this.#router.flush();
    return { reply: { status: 'error', execution_count: count, ...error }, failed: true };
  }

  /** Interrupts the cell's asynchronous work (a blocked event loop is interrupted by SIGINT itself). */
  async interrupt(): Promise<void> {
    (await this.#session).executor.interrupt();
  }

  /** The session, once loaded (completion and inspection need its declarations). */
  session(): Promise<Session> {
    return this.#session;
  }
}

/** `ename`, `evalue` and `traceback` of a failed cell, as the notebook's error output has them. */
export function errorContent(error: CellError): ErrorContent {
  const { ename, evalue, traceback } = errorOutput(error);
  return { ename, evalue, traceback };
}

function describe(error: CellError): string {
  const { ename, evalue } = errorContent(error);
  return `${ename}: ${evalue}`;
}

/**
 * user_expressions are not evaluated (the executor has no side-effect-free evaluation): each
 * gets the spec's per-expression error rather than silently no answer.
 */
function unevaluated(expressions: Record<string, string> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expressions ?? {}).map((name) => [name, {
    status: 'error', ename: 'NotImplementedError', evalue: 'the s3lab kernel does not evaluate user_expressions', traceback: [],
  }]));
}
