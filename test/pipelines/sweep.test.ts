// `s3lab sweep` end to end at its smallest (one RL step, three test questions per run): runs in
// their own directories, kill -9 in the middle, a rerun that skips the finished run and finishes the
// other as an uninterrupted run would have, the table against the base run, transfer to a world of
// another seed, a bad grid that fails before anything runs, and another grid refused in the same directory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SweepSummary } from '@s3lab/toolkit';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts')];
const s3lab = (...args: string[]) => spawnSync(process.execPath, [...cli, ...args], { cwd: root, encoding: 'utf8' });

describe('s3lab sweep', () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  test('a bad grid fails before any run, in one line with exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-sweep-bad-'));
    dirs.push(dir);
    await writeFile(join(dir, 'grid.yaml'), 'runs:\n  - {reward: f1}\n');
    const result = s3lab('sweep', '--grid', join(dir, 'grid.yaml'), '--out', join(dir, 'out'));
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /^s3lab: grid .*grid\.yaml: runs\[0\]\.reward: "f1" is not allowed; expected gbr, gbr\+genacc, genacc, span, em\n$/u);
    await assert.rejects(stat(join(dir, 'out')), 'nothing was created');
  });

  test('a run that fails is named with its log, the others\' summary is written, exit 1 in one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-sweep-fail-'));
    dirs.push(dir);
    // The run's directory holds another run: the lab run refuses it before loading anything.
    await mkdir(join(dir, 'out', 'runs', 'base'), { recursive: true });
    await writeFile(join(dir, 'out', 'runs', 'base', 'run.json'), '{"config": {"steps": 99}}\n');
    await writeFile(join(dir, 'grid.yaml'), 'base: {steps: 1}\nruns: [{steps: 1}]\n');
    const result = s3lab('sweep', '--grid', join(dir, 'grid.yaml'), '--out', join(dir, 'out'));
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^s3lab: 1 run\(s\) failed: base \(exit 1: InputError: .*holds a lab run made with other settings \(config\.steps: 99 → 1;.*; log: .*runs\/base\/train\.log\); rerun the same command to retry them/u);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    const summary = JSON.parse(await readFile(join(dir, 'out', 'summary.json'), 'utf8')) as SweepSummary;
    assert.deepEqual(summary.runs.map((r) => [r.key, r.status]), [['base', 'failed']]);
    assert.match(await readFile(join(dir, 'out', 'runs', 'base', 'train.log'), 'utf8'), /holds a lab run made with other settings/u);
  });

  test('runs the grid; killed with -9, a rerun skips the finished run and finishes the rest, as it would have; then transfer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-sweep-'));
    dirs.push(dir);
    const grid = join(dir, 'grid.yaml');
    const out = join(dir, 'out');
    // The second run evaluates fewer questions and trains as the base does: its RL files are the uninterrupted base run's.
    await writeFile(grid, 'base: {steps: 1, batchSize: 1, trainQuestions: 4, evalQuestions: 3}\nruns:\n  - {evalQuestions: 2}\ntransfer: {seed: 100, runs: [base]}\n');

    // First attempt: killed with -9 once the base run is done and the second is training.
    const first = spawn(process.execPath, [...cli, 'sweep', '--grid', grid, '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: first.stdout }).on('line', (line) => {
        seen.push(line);
        if (/\[evalQuestions=2\] .*evaluating the sft policy/u.test(line)) {
          first.kill('SIGKILL');
          resolve();
        }
      });
      first.on('exit', () => reject(new Error(`the sweep ended before it could be killed:\n${seen.join('\n')}`)));
    });
    assert.ok(seen.some((l) => /\[1\/2\] base: done in/u.test(l)), seen.join('\n'));
    // Its run process notices and exits too: no process is left writing into the sweep.
    for (let i = 0; i < 50 && spawnSync('pgrep', ['-f', out]).status === 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.notEqual(spawnSync('pgrep', ['-f', out]).status, 0, 'a run outlived its sweep');
    await assert.rejects(stat(join(out, 'runs', 'evalQuestions=2', 'report.json')));
    const listed = s3lab('sweep', '--grid', grid, '--out', out, '--list');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /^base +finished /mu);
    assert.match(listed.stdout, /^evalQuestions=2 +started /mu);

    const again = s3lab('sweep', '--grid', grid, '--out', out);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /\[1\/2\] base: finished earlier, skipped/u);
    assert.match(again.stdout, /\[2\/2\] evalQuestions=2: done in/u);
    assert.match(again.stdout, /vs base/u);
    assert.match(again.stdout, /Transfer to .*world-seed-100/u);
    assert.deepEqual((await readdir(join(out, 'runs'))).sort(), ['base', 'evalQuestions=2']);
    // The killed run's deterministic files are the uninterrupted base run's, byte for byte: weights and
    // optimizer states, rollouts, the step metrics but for their timings.
    const base = join(out, 'runs', 'base');
    const resumed = join(out, 'runs', 'evalQuestions=2');
    for (const file of ['checkpoints/step-000001/model.safetensors', 'checkpoints/step-000001/actor_optimizer.safetensors', 'searcher/model.safetensors', 'rollouts.jsonl']) {
      assert.ok((await readFile(join(resumed, file))).equals(await readFile(join(base, file))), file);
    }
    const untimed = async (d: string) => (await readFile(join(d, 'rl-metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => ({ ...JSON.parse(l) as object, seconds: undefined }));
    assert.deepEqual(await untimed(resumed), await untimed(base));

    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as SweepSummary;
    assert.deepEqual(summary.runs.map((r) => [r.key, r.status]), [['base', 'finished'], ['evalQuestions=2', 'finished']]);
    const [baseRun, changed] = summary.runs;
    assert.equal(baseRun?.vsBase, null);
    assert.equal(changed?.vsBase?.n, 2, 'paired over the questions both answered');
    assert.deepEqual(changed?.config, baseRun?.config);
    assert.equal(baseRun?.rl?.questions, 3);
    assert.ok((changed?.peakMB ?? 0) > 100, 'the run recorded its peak memory');
    const report = JSON.parse(await readFile(join(resumed, 'report.json'), 'utf8')) as { settings: { evalQuestions: number } };
    assert.equal(report.settings.evalQuestions, 2, 'each run records its full configuration');
    assert.deepEqual(summary.transfer?.searchers.map((s) => [s.name, s.questions]), [['warm start (SFT)', 3], ['base', 3]]);
    const transferTest = (await readFile(join(out, 'transfer', 'world-seed-100', 'world', 'test.jsonl'), 'utf8')).split('\n')[0] ?? '';
    const labTest = (await readFile(join(root, 'datasets/lab/test.jsonl'), 'utf8')).split('\n')[0] ?? '';
    assert.notEqual(JSON.parse(transferTest).question, JSON.parse(labTest).question, 'another world');
    const csv = (await readFile(join(out, 'summary.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv.length, 3);
    assert.match(csv[0] ?? '', /^run,status,.*genAcc_all,vsBase,vsBase_low,vsBase_high,gbr/u);

    // Another grid in the same directory is refused in one line; --force starts over (it is killed once its first run starts).
    const other = join(dir, 'other.yaml');
    await writeFile(other, 'base: {steps: 1, batchSize: 1, trainQuestions: 4, evalQuestions: 3, seed: 2}\nruns:\n  - {evalQuestions: 2}\n');
    const refused = s3lab('sweep', '--grid', other, '--out', out);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /^s3lab: .*out holds a sweep made with other settings \(grid\.transfer\.seed: 100 → unset; grid\.transfer\.runs: \["base"\] → unset; grid\.base\.seed: unset → 2\); run again with --force to start over, or give another --out\n$/u);
    const forced = spawn(process.execPath, [...cli, 'sweep', '--grid', other, '--out', out, '--force'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: forced.stdout }).on('line', (line) => {
        if (/\[1\/2\] base: started/u.test(line)) forced.kill('SIGKILL');
      });
      forced.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error('the forced sweep was not killed'))));
    });
    for (let i = 0; i < 50 && spawnSync('pgrep', ['-f', out]).status === 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await readdir(out)).sort(), ['grid.json', 'runs']);
    assert.match(await readFile(join(out, 'grid.json'), 'utf8'), /"seed": 2/u);
  });
});
