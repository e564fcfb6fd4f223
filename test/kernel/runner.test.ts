import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { countColour, readPng } from '../display/png.js';
import { cellSource, readNotebook, type Cell, type Notebook } from './executed-notebook.js';
import { ROOT, s3lab, tempDir, writeNotebook } from './support.js';

const read = readNotebook;
const source = cellSource;

describe('s3lab run: the quickstart notebook at smoke scale', () => {
  const out = tempDir('run');
  let result: ReturnType<typeof s3lab>;
  let notebook: Notebook;
  before(() => {
    result = s3lab(['run', 'notebooks/00-quickstart.ipynb', '-p', 'smoke=true', '-p', 'seed=2', '--out', out]);
    notebook = read(join(out, '00-quickstart.ipynb'));
  });

  test('runs every cell and prints where the notebook and the report are', () => {
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`executed notebook: ${join(out, '00-quickstart.ipynb')}`, 'u'));
    assert.match(result.stdout, new RegExp(`HTML report: ${join(out, '00-quickstart.html')}`, 'u'));
    const code = notebook.cells.filter((c) => c.cell_type === 'code');
    assert.ok(code.every((c, i) => c.execution_count === i + 1), 'every code cell executed, in order');
  });

  test('injects the overrides in a cell tagged injected-parameters right after the parameters cell', () => {
    const at = notebook.cells.findIndex((c) => c.metadata.tags?.includes('parameters'));
    const injected = notebook.cells[at + 1] as Cell;
    assert.deepEqual(injected.metadata.tags, ['injected-parameters']);
    assert.match(source(injected), /^smoke = true;$/mu);
    assert.match(source(injected), /^seed = 2;$/mu);
    assert.deepEqual(injected.outputs, [], 'assignments show no value');
  });

  test('keeps every kind of output: stdout, HTML tables, the plotly figure, live progress in its final state', () => {
    const outputs = notebook.cells.flatMap((c) => c.outputs ?? []);
    assert.ok(outputs.some((o) => o.output_type === 'stream' && o.name === 'stdout' && /60 test questions over \d+ passages/u.test(o.text ?? '')));
    assert.ok(outputs.some((o) => typeof o.data?.['text/html'] === 'string' && (o.data['text/html'] as string).includes('<table class="s3lab-table">')));
    const figure = outputs.find((o) => o.data?.['application/vnd.plotly.v1+json'])?.data?.['application/vnd.plotly.v1+json'] as { data: { name: string; y: number[] }[] };
    assert.deepEqual(figure.data.map((t) => t.name), ['BM25', 'dense']);
    assert.ok(figure.data.every((t) => t.y.length === 5 && t.y.every((v) => v >= 0 && v <= 1)));
    const progress = outputs.filter((o) => String(o.data?.['text/plain'] ?? '').startsWith('encoding passages'));
    for (const p of progress) assert.match(String(p.data?.['text/plain']), /\((100)%\)/u, 'a progress output ends at 100%');
  });

  test('records the run: commit, parameters, seeds, versions, per-cell timings', () => {
    const run = notebook.metadata.s3lab.run;
    assert.equal(run.status, 'ok');
    assert.deepEqual(run.parameters, { scale: 'lab', seed: 2, smoke: true, k: 3 });
    assert.deepEqual(run.overrides, { smoke: true, seed: 2 });
    assert.deepEqual(run.seeds, { seed: 2 });
    assert.equal(run.git?.commit, execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim());
    assert.equal(run.versions.node, process.version);
    assert.match(run.versions.toolkit ?? '', /^\d+\.\d+\.\d+/u);
    assert.equal(run.cells.length, notebook.cells.filter((c) => c.cell_type === 'code').length);
    assert.ok(notebook.cells.filter((c) => c.cell_type === 'code').every((c) => typeof c.metadata.s3lab?.seconds === 'number'));
  });

  test('the HTML report is self-contained and its plot renders in a headless browser', () => {
    const reportPath = join(out, '00-quickstart.html');
    const html = readFileSync(reportPath, 'utf8');
    assert.ok(!/<script[^>]+src=/iu.test(html), 'no external scripts: works offline');
    assert.ok(html.includes('plotly.js v3'), 'plotly.js inlined');
    const chromium = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--virtual-time-budget=15000'];
    // Offline for real: every network request fails.
    const offline = ['--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>'];
    const dom = spawnSync('chromium', [...chromium, ...offline, '--dump-dom', `file://${reportPath}`], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, timeout: 60_000 });
    assert.equal(dom.status, 0, dom.stderr);
    assert.match(dom.stdout, /class="[^"]*js-plotly-plot[^"]*"/u, 'plotly drew the figure into the page');
    assert.match(dom.stdout, /<svg[^>]*class="main-svg"/u);
    assert.match(dom.stdout, /class="[^"]*\bbars\b/u, 'with bar traces');
    const shot = join(out, 'report.png');
    const png = spawnSync('chromium', [...chromium, ...offline, '--window-size=1000,7000', `--screenshot=${shot}`, `file://${reportPath}`], { encoding: 'utf8', timeout: 60_000 });
    assert.ok(existsSync(shot), png.stderr);
    const image = readPng(readFileSync(shot));
    // Plotly's first two trace colours (#1f77b4, #ff7f0e): the bars, as pixels on the screenshot.
    assert.ok(countColour(image, [0x1f, 0x77, 0xb4]) > 500, 'blue BM25 bars are on the screenshot');
    assert.ok(countColour(image, [0xff, 0x7f, 0x0e]) > 500, 'orange dense bars are on the screenshot');
  });
});

describe('s3lab run: failures', () => {
  const dir = tempDir('fail');

  test('stops at the first failing cell, names it and its error, exits 1, and still writes what ran', () => {
    const notebook = writeNotebook(dir, 'broken.ipynb', ['console.log("one");', 'const x = 1;\nthrow new RangeError("no such passage");', 'console.log("never");']);
    const result = s3lab(['run', notebook, '--out', join(dir, 'out')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^s3lab: cell 1 failed \(const x = 1;\): RangeError: no such passage$/mu);
    const executed = read(join(dir, 'out', 'broken.ipynb'));
    assert.equal(executed.cells[0]?.outputs?.[0]?.text, 'one\n');
    assert.deepEqual(executed.cells[1]?.outputs?.map((o) => [o.output_type, o.ename, o.evalue]), [['error', 'RangeError', 'no such passage']]);
    assert.deepEqual(executed.cells[2]?.outputs, [], 'later cells are not run');
    assert.equal(executed.metadata.s3lab.run.status, 'failed');
    assert.ok(existsSync(join(dir, 'out', 'broken.html')));
  });

  test('a type error is reported as the TypeScript diagnostic', () => {
    const notebook = writeNotebook(dir, 'types.ipynb', ['const n: number = "five";']);
    const result = s3lab(['run', notebook, '--out', join(dir, 'out')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /cell 0 failed .*TypeScriptError: 1:7 - Type 'string' is not assignable to type 'number'/u);
  });

  test('bad input is one line and exit 2: a missing notebook, a malformed or unknown -p, a value of the wrong type', () => {
    const params = writeNotebook(dir, 'params.ipynb', ["let scale: 'lab' | 'paper' = 'lab';\nlet seed = 1;", 'console.log(scale, seed);'], true);
    const cases: [string[], RegExp][] = [
      [['run', join(dir, 'nope.ipynb')], /^s3lab: cannot read notebook .*nope\.ipynb: no such file\n$/u],
      [['run', params, '-p', 'seed'], /^s3lab: invalid parameter "seed": expected key=value\n$/u],
      [['run', params, '-p', 'colour=red'], /^s3lab: unknown parameter colour: the parameters cell of .* declares scale, seed\n$/u],
      [['run', params, '-p', 'scale=huge', '--out', join(dir, 'out')], /^s3lab: invalid parameter value for params: TypeScriptError: .*'"huge"' is not assignable to type '"lab" \| "paper"'/u],
    ];
    for (const [args, expected] of cases) {
      const result = s3lab(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr.replace(/^\[\d+\/\d+\] .*\n/gmu, ''), expected);
    }
  });
});
