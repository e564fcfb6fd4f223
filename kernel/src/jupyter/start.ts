/**
 * Starts the s3lab Jupyter kernel: tslab's ZeroMQ server and Jupyter handler (the messaging
 * protocol is tslab's), running cells through an s3lab session (toolkit preloaded, display
 * sink installed) instead of tslab's bare executor.
 *
 * @example
 * ```ts
 * await startKernel('/run/user/1000/jupyter/kernel-1234.json'); // what kernel.json's argv does
 * ```
 */
import { setDisplaySink } from '@s3lab/toolkit';
import { createSession, type CellError } from '../session.js';
import { tslabJupyter } from '../tslab.js';
import { kernelSink } from './sink.js';

export async function startKernel(connectionFile: string): Promise<void> {
  setDisplaySink(kernelSink());
  // During a request tslab sends stderr to the cell, so errors show there as they do in tslab.
  const printError = (error: CellError): void => {
    if (error.kind === 'diagnostics') for (const line of error.lines) console.error(line);
    else console.error(error.value);
  };
  const session = await createSession({ onError: printError });
  const { JupyterHandlerImpl, ZmqServer } = tslabJupyter();
  const server = new ZmqServer(new JupyterHandlerImpl(session.executor, false), connectionFile);
  process.on('SIGINT', () => session.executor.interrupt());
  // A stray rejection in a cell's background work must not kill the kernel (and the user's state).
  process.on('uncaughtException', (error) => console.error('UncaughtException:', error));
  process.on('unhandledRejection', (reason) => console.error('UnhandledPromiseRejection:', reason));
  await server.init();
}
