/**
 * What the s3lab kernel answers, request by request (messaging spec 5.3). Every reply has a
 * `status`; a handler that throws becomes an error reply (`ename`, `evalue`, `traceback`) in the
 * server. `stdin` (input requests) and comms are not supported: `allow_stdin` is ignored and
 * `comm_info_reply` lists no comms.
 *
 * @example
 * ```ts
 * server.serve(requestHandlers({ cells, info: kernelInfo(), shutdown: () => process.exit(0) }));
 * ```
 */
import type { CellRunner, ExecuteRequest } from './execute.js';
import { completeReply, inspectReply, isCompleteReply, type CodeRequest } from './introspection.js';
import type { KernelInfo } from './kernel-info.js';
import type { RequestHandler } from './server.js';

export interface KernelParts {
  cells: CellRunner;
  info: KernelInfo;
  /** Called after the shutdown reply went out. */
  shutdown: () => Promise<void> | void;
}

export function requestHandlers({ cells, info, shutdown }: KernelParts): Record<string, RequestHandler> {
  return {
    kernel_info_request: async () => ({ reply: { ...info } }),
    execute_request: async (request) => {
      const content = request.content as unknown as ExecuteRequest;
      const { reply, failed } = await cells.execute(content, request.header);
      // stop_on_error defaults to true: only an explicit false lets queued cells run after a failure.
      return { reply, abortQueue: failed && content.stop_on_error !== false };
    },
    is_complete_request: async (request) => ({ reply: isCompleteReply(request.content as unknown as { code: string }) }),
    complete_request: async (request) => ({ reply: completeReply((await cells.session()).executor, request.content as unknown as CodeRequest) }),
    inspect_request: async (request) => ({ reply: inspectReply((await cells.session()).executor, request.content as unknown as CodeRequest) }),
    history_request: async (request) => ({ reply: historyReply(cells.history, request.content as HistoryRequest) }),
    comm_info_request: async () => ({ reply: { status: 'ok', comms: {} } }),
    interrupt_request: async () => {
      await cells.interrupt();
      return { reply: { status: 'ok' } };
    },
    shutdown_request: async (request) => ({ reply: { status: 'ok', restart: request.content.restart === true }, after: shutdown }),
  };
}

interface HistoryRequest {
  hist_access_type?: string;
  n?: number;
  start?: number;
  stop?: number;
  pattern?: string;
  unique?: boolean;
}

/**
 * This kernel's inputs (no history database: only the running session, numbered 0 as IPython
 * numbers the current session), as `(session, line, input)` triples: `tail`, `range`, `search`.
 */
export function historyReply(inputs: readonly string[], request: HistoryRequest): Record<string, unknown> {
  let entries = inputs.map((code, i): [number, number, string] => [0, i + 1, code]);
  if (request.hist_access_type === 'range') {
    const start = request.start ?? 1;
    const stop = request.stop ?? entries.length + 1;
    entries = entries.filter(([, line]) => line >= start && line < stop);
  } else if (request.hist_access_type === 'search') {
    const glob = new RegExp(`^${(request.pattern ?? '*').replace(/[.+^${}()|[\]\\]/gu, '\\$&').replace(/\*/gu, '.*').replace(/\?/gu, '.')}$`, 'su');
    entries = entries.filter(([, , code]) => glob.test(code));
    if (request.unique) entries = entries.filter(([, , code], i) => entries.findIndex(([, , other]) => other === code) === i);
    if (request.n !== undefined) entries = last(entries, request.n);
  } else if (request.hist_access_type === 'tail') {
    entries = last(entries, request.n ?? 10);
  }
  return { status: 'ok', history: entries };
}

function last<T>(items: T[], n: number): T[] {
  return n > 0 ? items.slice(-n) : [];
}
