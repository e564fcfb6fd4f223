// docs/custom-data.md stays true: every `s3lab` command of its "Commands" block runs as written on
// datasets/custom-example (outputs under a temporary directory instead of out/), and each leaves
// what the doc says it leaves.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function docCommands(): string[][] {
  const doc = readFileSync(join(root, 'docs/custom-data.md'), 'utf8');
  const block = doc.split('## 2. Commands')[1]?.match(/```sh\n([\s\S]*?)```/u)?.[1];
  assert.ok(block, 'the doc has a Commands block');
  return block.trim().split('\n').map((line) => line.trim().split(/\s+/u));
}

describe('docs/custom-data.md', () => {
  const out = mkdtempSync(join(tmpdir(), 's3lab-custom-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  test('its commands run on datasets/custom-example and write what it says', () => {
    const commands = docCommands();
    assert.deepEqual(commands.map((c) => c[1]), ['index', 'eval', 'rag-cache', 'training-set', 'train']);
    for (const [program, ...args] of commands) {
      assert.equal(program, 's3lab');
      const rewritten = args.map((a) => a.replace(/^out\//u, `${out}/`));
      const result = spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), ...rewritten], { cwd: root, encoding: 'utf8' });
      assert.equal(result.status, 0, `s3lab ${args.join(' ')}\n${result.stderr}`);
    }
    assert.ok(existsSync(join(out, 'custom/bm25')));
    const summary = JSON.parse(readFileSync(join(out, 'custom/eval/summary.json'), 'utf8')) as unknown;
    assert.match(JSON.stringify(summary), /naive-rag/u);
    assert.equal(readFileSync(join(out, 'custom/rag-cache.jsonl'), 'utf8').trim().split('\n').length, 8, 'one line per training question');
    assert.ok(existsSync(join(out, 'custom/train.parquet')));
    const report = JSON.parse(readFileSync(join(out, 'custom/train/report.json'), 'utf8')) as { rl: unknown[]; evaluation: { questions: number; multiHopOverNaive: unknown } };
    assert.equal(report.rl.length, 2);
    assert.equal(report.evaluation.questions, 6);
    assert.equal(report.evaluation.multiHopOverNaive, null, 'the example is untyped');
    assert.ok(existsSync(join(out, 'custom/train/searcher/model.safetensors')));
  });
});
