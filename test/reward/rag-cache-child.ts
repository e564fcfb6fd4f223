// Child process of rag-cache.test.ts: precomputes the RAG cache of the first N lab training
// questions with the real (random-init) tiny-chat model and BM25, so the test can kill it with
// SIGKILL midway and run it again. Prints the result as one JSON line when it finishes.
import { fileURLToPath } from 'node:url';
import { Bm25Index, loadLocalChatModel, precomputeRagCache, readCorpus, readQa } from '@s3lab/toolkit';

const [out, count] = process.argv.slice(2);
if (!out || !count) throw new Error('usage: rag-cache-child.ts OUT COUNT');
const root = fileURLToPath(new URL('../..', import.meta.url));
const model = await loadLocalChatModel(`${root}/test/fixtures/lm/tiny-chat`);
const retriever = Bm25Index.build(await readCorpus(`${root}/datasets/lab/corpus.jsonl`).toArray());
const questions = (await readQa(`${root}/datasets/lab/train.jsonl`).toArray()).slice(0, Number(count));
// k = 1 keeps prompts within the fixture's 512 positions; small batches make many appends to kill between.
const result = await precomputeRagCache({ questions, retriever, generator: model, judge: model, out, dataSource: 'lab', k: 1, maxTokens: 12, batchSize: 4, concurrency: 2 });
process.stdout.write(`${JSON.stringify(result)}\n`);
model.dispose();
