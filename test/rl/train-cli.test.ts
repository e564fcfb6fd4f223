// `s3lab train`: the paper preset prints the released configuration; the lab preset runs the whole
// pipeline (here at its smallest: one RL step, a handful of questions) and a second run in the same
// directory resumes instead of redoing anything.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const s3lab = (...args: string[]) => spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), ...args], { cwd: root, encoding: 'utf8' });

describe('s3lab train', () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  test('--preset paper prints the released run\'s configuration and where the paper-scale run is documented', () => {
    const result = s3lab('train', '--preset', 'paper');
    assert.equal(result.status, 0, result.stderr);
    const config = JSON.parse(result.stdout.slice(0, result.stdout.indexOf('\n}') + 2)) as Record<string, unknown>;
    assert.deepEqual([config.algorithm, config.steps, config.batchSize, config.actorLearningRate, config.criticLearningRate, config.klCoef, config.temperature, config.preset], ['ppo', 20, 120, 1e-6, 1e-5, 0.001, 0.6, '8-3-3']);
    assert.match(result.stdout, /docs\/paper-scale-training\.md/u);
  });

  test('bad input is one clear line, exit 2', () => {
    const noOut = s3lab('train', '--preset', 'lab');
    assert.equal(noOut.status, 2);
    assert.match(noOut.stderr, /--out/u);
    const badAlgorithm = s3lab('train', '--preset', 'lab', '--algorithm', 'dqn', '--out', '/tmp/x');
    assert.equal(badAlgorithm.status, 2);
    assert.match(badAlgorithm.stderr, /--algorithm/u);
    const badReward = s3lab('train', '--preset', 'lab', '--reward', 'f1', '--out', '/tmp/x');
    assert.equal(badReward.status, 2);
    assert.match(badReward.stderr, /--reward: .*"gbr"\|"gbr\+genacc"\|"genacc"\|"span"\|"em"/u);
    const badSearch = s3lab('train', '--preset', 'lab', '--search', '8-3', '--out', '/tmp/x');
    assert.equal(badSearch.status, 2);
    assert.match(badSearch.stderr, /--search/u);
    const badDocs = s3lab('train', '--preset', 'lab', '--initial-docs', '-1', '--out', '/tmp/x');
    assert.equal(badDocs.status, 2);
    assert.match(badDocs.stderr, /--initial-docs/u);
  });

  test('--preset paper with the ablation flags prints the configuration they make', () => {
    const result = s3lab('train', '--preset', 'paper', '--reward', 'em', '--search', '5-3-4', '--initial-docs', '0', '--no-selection');
    assert.equal(result.status, 0, result.stderr);
    const config = JSON.parse(result.stdout.slice(0, result.stdout.indexOf('\n}') + 2)) as Record<string, unknown>;
    assert.deepEqual([config.reward, config.preset, config.initialDocs, config.selection], ['em', '5-3-4', 0, false]);
  });

  test('--preset lab trains, evaluates and reports; a second run resumes from the directory', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3lab-train-'));
    dirs.push(out);
    const args = ['train', '--preset', 'lab', '--out', out, '--steps', '1', '--batch-size', '1', '--train-questions', '4', '--eval-questions', '3'];
    const first = s3lab(...args);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /GRPO step 1\/1: reward/u);
    assert.match(first.stdout, /naive RAG/u);
    assert.match(first.stdout, /RL − SFT GBR: -?\d/u);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { config: { algorithm: string; samplesPerQuestion: number }; rl: { rollouts: number }[]; evaluation: { questions: number } };
    assert.deepEqual([report.config.algorithm, report.config.samplesPerQuestion], ['grpo', 4]);
    assert.equal(report.rl.length, 1);
    assert.equal(report.rl[0]?.rollouts, 4);
    assert.equal(report.evaluation.questions, 3);
    const metrics = (await readFile(join(out, 'rl-metrics.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(metrics.length, 1);
    // The SFT searcher was evaluated in one worker thread, the RL searcher in two, each share in its own
    // directory, in the records format of s3lab eval (method s3, GBR against the RAG cache).
    const records = async (dir: string): Promise<{ id: string; method: string; gbr?: number }[]> => (await readFile(join(out, 'eval', dir, 'records.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; method: string; gbr?: number });
    const sft = await records('sft');
    assert.deepEqual(sft.map((r) => r.id), ['test_0', 'test_1', 'test_2']);
    assert.ok(sft.every((r) => r.method === 's3' && typeof r.gbr === 'number'), JSON.stringify(sft));
    assert.deepEqual([...(await records('rl/part1')), ...(await records('rl/part2'))].map((r) => r.id), ['test_0', 'test_1', 'test_2']);
    const again = s3lab(...args);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /GRPO step 1\/1/u, 'the finished step was redone');
    assert.equal((await readFile(join(out, 'rl-metrics.jsonl'), 'utf8')).trim().split('\n').length, 1);

    // Killed after step 1's lines were appended but before its checkpoint: the resumed run redoes the
    // step and its lines replace the first attempt's instead of doubling them.
    await rm(join(out, 'checkpoints', 'step-000001'), { recursive: true });
    const redone = s3lab(...args);
    assert.equal(redone.status, 0, redone.stderr);
    assert.match(redone.stdout, /GRPO step 1\/1/u);
    assert.equal((await readFile(join(out, 'rl-metrics.jsonl'), 'utf8')).trim().split('\n').length, 1);
    assert.equal((await readFile(join(out, 'rollouts.jsonl'), 'utf8')).trim().split('\n').length, 4);

    const other = s3lab('train', '--preset', 'lab', '--out', out, '--steps', '2', '--train-questions', '5');
    assert.equal(other.status, 2, other.stderr);
    assert.match(other.stderr, /^s3lab: .* holds a run with other settings \(steps: 1 → 2; batchSize: 1 → 8; evalQuestions: 3 → 300; trainQuestions: 4 → 5\); give another --out/u);
  });

  test('a --retriever that is no corpus, index or URL is one line and exit 2', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3lab-train-retriever-'));
    const bad = s3lab('train', '--preset', 'lab', '--out', out, '--retriever', join(out, 'missing'));
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^s3lab: retriever .*missing: expected a retrieval server URL, an index directory or a corpus JSONL file\n$/u);
    await rm(out, { recursive: true, force: true });
  });
});
