/**
 * A local chat model in its own worker thread. tfjs on WASM computes on the thread that calls it, and
 * ONNX Runtime's session blocks the thread that runs it, so a model in the main thread waits for
 * everything else the main thread does; in a worker it answers on another core while the main thread works (the lab run scores rollouts with the generator while the
 * searcher's log-probabilities are computed). Same name as `loadLocalChatModel` gives, so response
 * caches are shared between the two.
 *
 * @example
 * ```ts
 * const generator = await workerChatModel('datasets/models/lab-generator');
 * const [reply] = await generator.chat([{ messages: [{ role: 'user', content: 'Hello' }], maxTokens: 8 }]);
 * await generator.dispose();
 * ```
 */
import type { Worker } from 'node:worker_threads';
import { InputError } from '../core/input-error.js';
import { startModuleWorker } from '../core/worker-thread.js';
import type { ChatModel, ChatRequest, ChatResponse, CompletionRequest } from './types.js';

export interface WorkerChatModel extends ChatModel {
  /** Stops the worker (pending requests fail). */
  dispose(): Promise<void>;
}

/** Messages between the model and its worker (chat-model-worker.ts). */
export type WorkerChatRequest = { id: number; kind: 'chat'; requests: readonly ChatRequest[] } | { id: number; kind: 'complete'; requests: readonly CompletionRequest[] };
export type WorkerChatReply = { kind: 'ready'; name: string } | { kind: 'load-error'; message: string; input: boolean } | { id: number; kind: 'responses'; responses: ChatResponse[] } | { id: number; kind: 'error'; message: string };

export interface WorkerChatModelOptions {
  /** ONNX Runtime's intra-op threads in the worker (default: every core; see `loadInferenceLM`). */
  threads?: number;
}

/** Loads the model directory (as `loadLocalChatModel`) in a new worker thread. */
export async function workerChatModel(dir: string, options: WorkerChatModelOptions = {}): Promise<WorkerChatModel> {
  const worker: Worker = startModuleWorker(new URL('./chat-model-worker.js', import.meta.url), { role: 'chat-model', dir, ...(options.threads === undefined ? {} : { threads: options.threads }) });
  const pending = new Map<number, { resolve: (responses: ChatResponse[]) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error): void => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const name = await new Promise<string>((resolve, reject) => {
    worker.on('message', (reply: WorkerChatReply) => {
      if (reply.kind === 'ready') resolve(reply.name);
      else if (reply.kind === 'load-error') reject(reply.input ? new InputError(reply.message) : new Error(`loading ${dir} in a worker thread: ${reply.message}`));
      else {
        const waiting = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.kind === 'responses') waiting?.resolve(reply.responses);
        else waiting?.reject(new Error(`${dir}: ${reply.message}`));
      }
    });
    worker.on('error', (error) => {
      reject(error);
      failAll(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the worker thread of ${dir} exited (code ${code})`);
      reject(error);
      failAll(error);
    });
  });
  const send = (message: Omit<WorkerChatRequest, 'id'>): Promise<ChatResponse[]> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  };
  return {
    name,
    chat: (requests) => send({ kind: 'chat', requests }),
    complete: (requests) => send({ kind: 'complete', requests }),
    async dispose() {
      failure ??= new Error(`the worker thread of ${dir} was disposed`);
      await worker.terminate();
    },
  };
}
