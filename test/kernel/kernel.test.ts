import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { injectParameters, readNotebook, serializeNotebook } from '@s3lab/kernel';
import { QUICKSTART, ROOT, s3lab, tempDir } from './support.js';

// Debian's Python, where python3-nbclient and jupyter-client are installed (scripts/system-packages.json).
const PYTHON = '/usr/bin/python3';

interface Output { output_type: string; name?: string; text?: string; data?: Record<string, unknown> }
interface Summary { error: string | null; kernel: string; cells: { source: string; outputs: Output[] }[] }

describe('s3lab kernel install', () => {
  test('writes a kernel.json that starts this Node on the built kernel entry', () => {
    const prefix = tempDir('prefix');
    const result = s3lab(['kernel', 'install', '--prefix', prefix]);
    assert.equal(result.status, 0, result.stderr);
    const dir = join(prefix, 'share', 'jupyter', 'kernels', 's3lab');
    assert.match(result.stdout, new RegExp(`installed the s3lab kernel in ${dir}`, 'u'));
    const spec = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8')) as { argv: string[]; language: string };
    assert.equal(spec.argv[0], process.execPath);
    assert.equal(spec.argv[1], join(ROOT, 'kernel', 'dist', 'jupyter', 'main.js'));
    assert.ok(existsSync(spec.argv[1] as string));
    assert.equal(spec.argv[2], '{connection_file}');
    assert.equal(spec.language, 'typescript');
  });

  test('--user goes to the Jupyter data directory; two scopes at once is a usage error', () => {
    const data = tempDir('data');
    assert.equal(s3lab(['kernel', 'install', '--user'], { env: { JUPYTER_DATA_DIR: data } }).status, 0);
    assert.ok(existsSync(join(data, 'kernels', 's3lab', 'kernel.json')));
    const both = s3lab(['kernel', 'install', '--user', '--prefix', data]);
    assert.equal(both.status, 2);
    assert.equal(both.stderr, 's3lab: choose one of --user, --sys-prefix and --prefix\n');
  });
});

describe('the kernel under a real Jupyter client (nbclient)', () => {
  test('executes the quickstart notebook (smoke): tables, the plot, live progress; a failing cell fails the client', async () => {
    const dir = tempDir('nbclient');
    const prefix = join(dir, 'prefix');
    assert.equal(s3lab(['kernel', 'install', '--prefix', prefix]).status, 0);
    // The same notebook, with the parameters s3lab run would inject, a progress bar and a failing cell at the end.
    const notebook = await readNotebook(QUICKSTART);
    notebook.cells = injectParameters(notebook.cells, { smoke: true }, 'quickstart');
    const extra = [
      "import { displayProgress } from '@s3lab/toolkit';\nconst steps = displayProgress('steps', 5, { intervalMs: 0 });\nfor (let i = 0; i < 5; i++) steps.tick();\nsteps.done();",
      "throw new Error('a failing cell');",
    ];
    notebook.cells.push(...extra.map((source, i) => ({ cell_type: 'code' as const, id: `extra-${i}`, metadata: {}, source, outputs: [], execution_count: null })));
    const path = join(dir, 'quickstart-smoke.ipynb');
    writeFileSync(path, serializeNotebook(notebook));
    const summaryPath = join(dir, 'summary.json');
    const run = spawnSync(PYTHON, [join(ROOT, 'test', 'kernel', 'nbclient_run.py'), path, join(ROOT, 'notebooks'), summaryPath], {
      encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter') }, timeout: 240_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
    assert.equal(summary.kernel, 's3lab');
    assert.match(summary.error ?? '', /a failing cell/u, 'the client saw the last cell fail');
    const outputs = summary.cells.flatMap((c) => c.outputs);
    assert.ok(outputs.some((o) => o.output_type === 'stream' && /60 test questions over \d+ passages/u.test(o.text ?? '')));
    assert.ok(outputs.some((o) => String(o.data?.['text/html'] ?? '').includes('<table class="s3lab-table">')));
    const figure = outputs.find((o) => o.data?.['application/vnd.plotly.v1+json'])?.data?.['application/vnd.plotly.v1+json'] as { data: { name: string }[] } | undefined;
    assert.deepEqual(figure?.data.map((t) => t.name), ['BM25', 'dense']);
    // nbclient applies update_display_data to the output with the same display id: one output, at its final state.
    const progress = summary.cells.at(-2)?.outputs ?? [];
    assert.equal(progress.length, 1);
    assert.match(String(progress[0]?.data?.['text/plain']), /^steps 5\/5 \(100%\)/u);
  });
});
