/**
 * Starts the s3lab Jupyter kernel: loads the session (toolkit preloaded), then binds the sockets
 * of the connection file and answers. Loading first is quicker to "ready" than binding first:
 * type-checking the prelude blocks the event loop for seconds, during which a bound kernel
 * could not answer Jupyter's `kernel_info` probes anyway. If the session cannot load, the
 * kernel still starts and every execute request replies with that error. A cell's
 * stdout/stderr and displays become IOPub messages of the request that runs it.
 *
 * @example
 * ```ts
 * await startKernel('/run/user/1000/jupyter/kernel-1234.json'); // what kernel.json's argv does
 * ```
 */
import { readFile } from 'node:fs/promises';
import { setDisplaySink } from '@s3lab/toolkit';
import { CellRunner } from './execute.js';
import { requestHandlers } from './handlers.js';
import { IopubRouter } from './iopub.js';
import { kernelInfo } from './kernel-info.js';
import { KernelServer } from './server.js';
import { kernelSink } from './sink.js';
import type { ConnectionInfo } from './wire.js';

export async function startKernel(connectionFile: string): Promise<void> {
  const connection = JSON.parse(await readFile(connectionFile, 'utf8')) as ConnectionInfo;
  // The kernel's own log keeps the real stderr (Jupyter's terminal); cells' output goes to IOPub.
  const stderr = process.stderr.write.bind(process.stderr);
  const log = (line: string): void => void stderr(`${line}\n`);
  // Requests are served only once `cells` exists (below), so the counter can refer to it.
  const server = new KernelServer(connection, { log, executionCount: () => cells.count });
  const router = new IopubRouter((type, content, parent) => server.publish(type, content, parent));
  setDisplaySink(kernelSink(router, log));
  redirectStreams(router);
  const cells = new CellRunner(router);
  // interrupt_mode 'signal': Jupyter sends SIGINT. A blocked event loop is broken by vm's
  // breakOnSigint; asynchronous work is rejected through the executor. (Set before
  // the session loads: an early interrupt must not kill the kernel.)
  process.on('SIGINT', () => void cells.interrupt().catch(() => undefined));
  // A stray rejection in a cell's background work must not kill the kernel (and the user's state).
  process.on('uncaughtException', (error) => console.error('UncaughtException:', error));
  process.on('unhandledRejection', (reason) => console.error('UnhandledPromiseRejection:', reason));
  await cells.session().catch(() => undefined);
  await server.bind();
  const shutdown = async (): Promise<void> => {
    router.flush();
    // Let the reply and the last IOPub messages leave before the sockets close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.close();
    (await cells.session().catch(() => undefined))?.close();
    process.exit(0);
  };
  server.serve(requestHandlers({ cells, info: kernelInfo(), shutdown }));
}

type Write = typeof process.stdout.write;

/** `process.stdout` / `process.stderr` writes go to the current request's IOPub once a request ran. */
function redirectStreams(router: IopubRouter): void {
  const redirect = (name: 'stdout' | 'stderr', stream: NodeJS.WriteStream): Write => {
    const original = stream.write.bind(stream) as Write;
    return ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
      if (!router.active) return (original as (...args: unknown[]) => boolean)(chunk, encoding, callback);
      router.stream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as Write;
  };
  process.stdout.write = redirect('stdout', process.stdout);
  process.stderr.write = redirect('stderr', process.stderr);
}
