// The shipped lab generator reads: with a question's supporting passages it answers, with no
// context it does not know the lab world's invented facts — the spread GBR is measured in. And the
// one-command evaluation runs on it with an in-memory BM25 index.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Bm25Index, loadLocalChatModel, readCorpus, readQa, readerCheck, splitContents } from '@s3lab/toolkit';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MODEL = join(root, 'datasets/models/lab-generator');

describe('the lab generator', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('answers from the supporting passages and hardly at all without context', async () => {
    const corpus = await readCorpus(join(root, 'datasets/lab/corpus.jsonl')).toArray();
    const questions = (await readQa(join(root, 'datasets/lab/test.jsonl')).toArray()).filter((q) => q.type === 'single-hop' || q.type === 'bridge').slice(0, 16);
    const generator = await loadLocalChatModel(MODEL);
    const rows = await readerCheck({ generator, questions, passages: new Map(corpus.map((p) => [p.id, splitContents(p.contents)])), retriever: Bm25Index.build(corpus), maxTokens: 16 });
    generator.dispose?.();
    const all = (context: string) => rows.find((r) => r.context === context && r.type === 'all')!;
    assert.equal(all('gold').questions, 16);
    assert.ok(all('gold').genAcc >= 0.6, `gold context: GenAcc ${all('gold').genAcc}`);
    assert.ok(all('none').genAcc <= 0.15, `no context: GenAcc ${all('none').genAcc}`);
    assert.ok(all('gold').genAcc > all('naive-rag').genAcc, 'gold passages beat the BM25 top 3');
  });

  it('s3lab eval --corpus: no index to build, the table by method and type', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-lab-eval-'));
    dirs.push(dir);
    const run = spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), 'eval',
      '--methods', 'naive-rag,scripted', '--data', 'datasets/lab/test.jsonl', '--limit', '3', '--corpus', 'datasets/lab/corpus.jsonl',
      '--generator', MODEL, '--judge', 'none', '--max-tokens', '16', '--out', dir], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /scripted\s+all\s+3/u);
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { methods: string[]; judge: string | null; cells: { method: string; type: string; documents: number }[] };
    assert.deepEqual(summary.methods, ['naive-rag', 'scripted']);
    assert.equal(summary.judge, null);
    const scripted = summary.cells.find((c) => c.method === 'scripted' && c.type === 'all')!;
    assert.ok(scripted.documents > 3, `the scripted searcher's context holds more than naive RAG's 3 documents: ${scripted.documents}`);
  });

  it('s3lab eval --searcher DIR runs a trained lab searcher (its s3lab.json) as s3, and refuses it for the other methods', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-lab-eval-'));
    dirs.push(dir);
    const s3lab = (...args: string[]) => spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), 'eval',
      '--data', 'datasets/lab/test.jsonl', '--limit', '4', '--corpus', 'datasets/lab/corpus.jsonl', '--generator', MODEL, '--judge', 'none',
      '--max-tokens', '16', '--searcher', 'datasets/models/lab-searcher', ...args], { cwd: root, encoding: 'utf8' });
    const run = s3lab('--methods', 'naive-rag,s3', '--out', dir);
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { methods: string[]; cells: { method: string; type: string; searcherTokens: number; turns: number }[] };
    assert.deepEqual(summary.methods, ['naive-rag', 's3']);
    const s3 = summary.cells.find((c) => c.method === 's3' && c.type === 'all')!;
    assert.ok(s3.searcherTokens > 0 && s3.turns >= 1, 'the searcher model wrote its turns');
    const refused = s3lab('--methods', 'search-r1', '--out', join(dir, 'r1'));
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /is a lab s3 model \(its s3lab\.json\); it cannot serve search-r1/u);
  });
});
