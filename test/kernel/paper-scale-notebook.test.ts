/**
 * notebooks/07-evaluation.ipynb at scale "paper", up to where a GPU server would be: without its
 * servers it stops naming each missing part; with stand-ins behind the same protocols (s3lab's
 * OpenAI-compatible server serving the lab generator as generator, judge and searcher, the s3
 * retrieval server over the lab BM25 index, FlashRAG-shaped test files) it runs the paper path
 * end to end and prints the paper's rows beside its own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Bm25Index, loadLocalChatModel, readCorpus, readQa, startLlmServer, startRetrievalServer } from '@s3lab/toolkit';
import { readNotebook, type Output } from './executed-notebook.js';
import { ROOT, s3lab, tempDir } from './support.js';

const NOTEBOOK = join(ROOT, 'notebooks', '07-evaluation.ipynb');
const SETS = ['nq', 'triviaqa', 'popqa', 'hotpotqa', '2wikimultihopqa', 'musique'];

/** The built CLI, asynchronously: the servers it calls live in this process. */
function runAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'toolkit', 'bin', 's3lab.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

describe('07-evaluation at scale "paper"', () => {
  test('without servers or data it stops and names each missing part', () => {
    const result = s3lab(['run', NOTEBOOK, '-p', 'scale=paper', '--out', tempDir('nb07')]);
    assert.equal(result.status, 1);
    for (const part of ['generatorUrl', 'retrieverUrl', 'searcherUrl', 's3lab download flashrag-qa']) assert.match(result.stderr, new RegExp(part.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'), 'u'));
  });

  test('with servers behind the paper\'s protocols it makes the table and sets the paper\'s rows beside it', async () => {
    const dir = tempDir('nb07-paper');
    const questions = (await readQa(join(ROOT, 'datasets/lab/test.jsonl')).toArray()).filter((q) => q.type === 'single-hop');
    SETS.forEach((set, i) => {
      mkdirSync(join(dir, 'data', 'flashrag-qa', set), { recursive: true });
      const rows = questions.slice(i, i + 1).map((q) => JSON.stringify({ id: q.id, question: q.question, golden_answers: q.golden_answers }));
      writeFileSync(join(dir, 'data', 'flashrag-qa', set, set === 'hotpotqa' || set === '2wikimultihopqa' || set === 'musique' ? 'dev.jsonl' : 'test.jsonl'), `${rows.join('\n')}\n`);
    });
    const model = await loadLocalChatModel(join(ROOT, 'datasets/models/lab-generator'));
    const llm = await startLlmServer({ model });
    const index = Bm25Index.build(await readCorpus(join(ROOT, 'datasets/lab/corpus.jsonl')).toArray());
    const retrieval = await startRetrievalServer({ retriever: index, name: 'lab bm25' });
    try {
      const out = join(dir, 'executed');
      const result = await runAsync(['run', NOTEBOOK, '-p', 'scale=paper', '-p', `generatorUrl=${llm.url}/v1`, '-p', `generatorModel=${llm.name}`,
        '-p', `retrieverUrl=${retrieval.url}`, '-p', `searcherUrl=${llm.url}/v1`, '-p', `searcherModel=${llm.name}`, '-p', `dataDir=${join(dir, 'data')}`,
        '-p', 'perDataset=1', '--out', out]);
      assert.equal(result.status, 0, result.stderr.split('\n').filter((l) => !/^\[\d+\/\d+\] /u.test(l)).join('\n'));
      const notebook = readNotebook(join(out, '07-evaluation.ipynb'));
      const outputs: Output[] = notebook.cells.flatMap((c) => c.outputs ?? []);
      const text = outputs.map((o) => String(o.data?.['text/plain'] ?? (Array.isArray(o.text) ? o.text.join('') : o.text ?? ''))).join('\n');
      assert.match(text, /paper scale: nq 1, triviaqa 1, popqa 1, hotpotqa 1, 2wikimultihopqa 1, musique 1 questions; methods no-retrieval, naive-rag, s3/u);
      assert.match(text, /NQ\s+TriviaQA\s+PopQA\s+HotpotQA\s+2Wiki\s+MuSiQue\s+average/u);
      assert.match(text, /s3 \(paper, Claude-3-Haiku\)\s+70\.5\s+84\.0\s+57\.7\s+62\.4\s+52\.4\s+26\.2\s+58\.9/u);
      assert.match(text, /naive-rag \(paper, Claude-3-Haiku\)\s+66\.5/u);
      assert.match(text, new RegExp(`s3 \\(${llm.name.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}\\)`, 'u'), 'our s3 row, named by the served generator');
    } finally {
      await retrieval.close();
      await llm.close();
      index.close();
      model.dispose();
    }
  });
});
