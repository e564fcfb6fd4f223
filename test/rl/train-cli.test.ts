// `s3lab train`: the paper preset prints the released configuration; the lab preset runs the whole
// pipeline (here at its smallest: two RL steps, a handful of questions), a second run in the same
// directory resumes instead of redoing anything, and a run killed with -9 after step 1 ends, when run
// again, with the files of the uninterrupted one.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts')];
const s3lab = (...args: string[]) => spawnSync(process.execPath, [...cli, ...args], { cwd: root, encoding: 'utf8' });

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

  test('--method search-r1 trains the Search-R1 policy on its own answers, evaluates it both ways, and --eval-steps adds the curve\'s points', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3lab-train-r1-'));
    dirs.push(out);
    const paper = s3lab('train', '--preset', 'paper', '--method', 'search-r1');
    assert.equal(paper.status, 2);
    assert.match(paper.stderr, /--method search-r1 trains at lab scale only/u);
    const run = s3lab('train', '--preset', 'lab', '--method', 'search-r1', '--out', out, '--steps', '2', '--eval-steps', '1', '--batch-size', '1', '--train-questions', '4', '--eval-questions', '3');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /GRPO search-r1 \(end to end\)/u);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { method: string; curve: { step: number; questions: number; endToEnd?: unknown }[]; consumed: { questions: number; rollouts: number }; peakMemoryMiB: number; settings: { warmStart: string } };
    assert.equal(report.method, 'search-r1');
    assert.match(report.settings.warmStart, /lab-search-r1\/sft$/u);
    assert.deepEqual(report.curve.map((p) => [p.step, p.questions]), [[0, 0], [1, 1], [2, 2]]);
    assert.ok(report.curve.every((p) => p.endToEnd !== undefined), 'its own answers are scored at every point');
    assert.deepEqual(report.consumed, { questions: 2, rollouts: 8 });
    assert.ok(report.peakMemoryMiB > 100);
    const info = JSON.parse(await readFile(join(out, 'searcher', 's3lab.json'), 'utf8')) as { method: string };
    assert.equal(info.method, 'search-r1');
    const rollouts = (await readFile(join(out, 'rollouts.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { outputs: string[]; reward: number });
    assert.ok(rollouts.every((r) => r.reward === 0 || r.reward === 1), 'the reward is an exact match');
    assert.ok(rollouts.some((r) => r.outputs.some((o) => o.includes('<search>'))), 'the policy searches the Search-R1 way');
  });

  test('--preset lab trains, evaluates and reports; a second run resumes from the directory; killed with -9 mid-RL, a rerun ends with the same files', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3lab-train-'));
    dirs.push(out);
    const args = (dir: string) => ['train', '--preset', 'lab', '--out', dir, '--steps', '2', '--batch-size', '1', '--train-questions', '4', '--eval-questions', '3'];
    const first = s3lab(...args(out));
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /GRPO step 2\/2: reward/u);
    assert.match(first.stdout, /naive RAG/u);
    assert.match(first.stdout, /RL − SFT GBR: -?\d/u);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { config: { algorithm: string; samplesPerQuestion: number }; rl: { rollouts: number }[]; evaluation: { questions: number } };
    assert.deepEqual([report.config.algorithm, report.config.samplesPerQuestion], ['grpo', 4]);
    assert.equal(report.rl.length, 2);
    assert.equal(report.rl[0]?.rollouts, 4);
    assert.equal(report.evaluation.questions, 3);
    const metrics = (await readFile(join(out, 'rl-metrics.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(metrics.length, 2);
    // The SFT searcher was evaluated in one worker thread, the RL searcher in two, each share in its own
    // directory, in the records format of s3lab eval (method s3, GBR against the RAG cache).
    const records = async (dir: string): Promise<{ id: string; method: string; gbr?: number }[]> => (await readFile(join(out, 'eval', dir, 'records.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; method: string; gbr?: number });
    const sft = await records('sft');
    assert.deepEqual(sft.map((r) => r.id), ['test_0', 'test_1', 'test_2']);
    assert.ok(sft.every((r) => r.method === 's3' && typeof r.gbr === 'number'), JSON.stringify(sft));
    assert.deepEqual([...(await records('rl/part1')), ...(await records('rl/part2'))].map((r) => r.id), ['test_0', 'test_1', 'test_2']);
    const again = s3lab(...args(out));
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /GRPO step \d\/2/u, 'a finished step was redone');
    assert.equal((await readFile(join(out, 'rl-metrics.jsonl'), 'utf8')).trim().split('\n').length, 2);

    // The same run killed with -9 once step 1's checkpoint is saved (its progress line comes after it).
    const killed = await mkdtemp(join(tmpdir(), 's3lab-train-killed-'));
    dirs.push(killed);
    const child = spawn(process.execPath, [...cli, ...args(killed)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (/GRPO step 1\/2/u.test(line)) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error('the run ended before step 1 was done'))));
    });
    // As if it had died after appending step 2's lines but before its checkpoint: the rerun cuts them back.
    const stepOne = JSON.parse((await readFile(join(killed, 'rl-metrics.jsonl'), 'utf8')).trim()) as Record<string, unknown>;
    await appendFile(join(killed, 'rl-metrics.jsonl'), `${JSON.stringify({ ...stepOne, step: 2 })}\n`);
    await appendFile(join(killed, 'rollouts.jsonl'), `${JSON.stringify({ step: 2, questionId: 'lost' })}\n`);
    const resumed = s3lab(...args(killed));
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.doesNotMatch(resumed.stdout, /GRPO step 1\/2/u, 'step 1 was redone');
    assert.match(resumed.stdout, /GRPO step 2\/2/u);
    // Deterministic files, byte for byte: weights and optimizer states, rollouts, evaluation records; the
    // metrics and report but for their timings (and the checkpoints' savedAt); the RAG cache's lines (appended by concurrent batches).
    const same = async (file: string, normalize: (text: string) => unknown = (text) => text): Promise<void> => {
      assert.deepEqual(normalize(await readFile(join(killed, file), 'utf8')), normalize(await readFile(join(out, file), 'utf8')), file);
    };
    const sameBytes = async (file: string): Promise<void> => assert.ok((await readFile(join(killed, file))).equals(await readFile(join(out, file))), file);
    for (const step of ['step-000001', 'step-000002']) {
      for (const file of ['config.json', 'model.safetensors', 'actor_optimizer.safetensors', 'critic_optimizer.safetensors']) await sameBytes(join('checkpoints', step, file));
    }
    await sameBytes('searcher/model.safetensors');
    await same('rollouts.jsonl');
    for (const part of ['sft', 'rl/part1', 'rl/part2']) await same(join('eval', part, 'records.jsonl'));
    await same('rl-metrics.jsonl', (t) => t.trim().split('\n').map((l) => ({ ...JSON.parse(l) as object, seconds: undefined })));
    await same('rag-cache.jsonl', (t) => t.split('\n').sort());
    // Timings and the peak memory are measurements of the process, not of the run.
    const untimed = (t: string): unknown => ({ ...JSON.parse(t) as object, seconds: undefined, peakMemoryMiB: undefined, rl: (JSON.parse(t) as { rl: object[] }).rl.map((m) => ({ ...m, seconds: undefined })) });
    await same('report.json', untimed);
    // The report counts the killed process's step too.
    const resumedReport = JSON.parse(await readFile(join(killed, 'report.json'), 'utf8')) as { rl: { seconds: { total: number } }[]; seconds: { rl: number } };
    assert.ok(resumedReport.seconds.rl >= resumedReport.rl.reduce((sum, m) => sum + m.seconds.total, 0), JSON.stringify(resumedReport.seconds));

    const other = s3lab('train', '--preset', 'lab', '--out', killed, '--steps', '3', '--train-questions', '5');
    assert.equal(other.status, 2, other.stderr);
    assert.match(other.stderr, /^s3lab: .* holds a lab run made with other settings \(config\.steps: 2 → 3; config\.batchSize: 1 → 8; evalQuestions: 3 → 300; trainQuestions: 4 → 5\); run again with --force to start over, or give another --out/u);
    // --force starts over: what the run wrote is gone before anything else happens (here a retriever that does not exist stops it).
    await writeFile(join(killed, 'notes.txt'), 'mine');
    const forced = s3lab('train', '--preset', 'lab', '--out', killed, '--steps', '3', '--force', '--retriever', join(killed, 'missing'));
    assert.equal(forced.status, 2, forced.stderr);
    assert.deepEqual((await readdir(killed)).sort(), ['notes.txt', 'run.json']);
    assert.match(await readFile(join(killed, 'run.json'), 'utf8'), /"steps": 3/u);
  });

  test('a --retriever that is no corpus, index or URL is one line and exit 2', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3lab-train-retriever-'));
    const bad = s3lab('train', '--preset', 'lab', '--out', out, '--retriever', join(out, 'missing'));
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^s3lab: retriever .*missing: expected a retrieval server URL, an index directory or a corpus JSONL file\n$/u);
    await rm(out, { recursive: true, force: true });
  });
});
