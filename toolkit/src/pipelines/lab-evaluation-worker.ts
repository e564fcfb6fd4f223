/** A worker thread of `evaluateSearcherInWorkers`: evaluates its job and posts progress, then the rows. */
import { parentPort, workerData } from 'node:worker_threads';
import { evaluateSearcherJob, searcherEvaluationJobSchema } from './lab-evaluation.js';

if (parentPort && workerData) {
  const port = parentPort;
  Promise.resolve()
    .then(() => evaluateSearcherJob(searcherEvaluationJobSchema.parse(workerData), (done, total) => port.postMessage({ kind: 'progress', done, total })))
    .then((rows) => port.postMessage({ kind: 'done', rows }))
    .catch((error: unknown) => port.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) }));
}
