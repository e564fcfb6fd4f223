/** The worker thread of `workerChatModel`: loads a local chat model and answers its requests. */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../core/input-error.js';
import { loadLocalChatModel } from './local.js';
import type { WorkerChatReply, WorkerChatRequest } from './worker-chat-model.js';

const data = workerData as { role?: string; dir?: string; threads?: number } | undefined;
if (parentPort && data?.role === 'chat-model' && typeof data.dir === 'string') {
  const port = parentPort;
  const reply = (message: WorkerChatReply): void => port.postMessage(message);
  // A load failure says whether it was the directory's fault, so it stays an input error on the other side.
  loadLocalChatModel(data.dir, typeof data.threads === 'number' ? { threads: data.threads } : {}).then((model) => {
    port.on('message', (request: WorkerChatRequest) => {
      const answered = request.kind === 'chat' ? model.chat(request.requests) : model.complete(request.requests);
      answered.then((responses) => reply({ id: request.id, kind: 'responses', responses }), (error: unknown) => reply({ id: request.id, kind: 'error', message: error instanceof Error ? error.message : String(error) }));
    });
    reply({ kind: 'ready', name: model.name });
  }, (error: unknown) => reply({ kind: 'load-error', message: error instanceof Error ? error.message : String(error), input: error instanceof InputError }));
}
