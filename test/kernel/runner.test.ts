import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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

  test('says on stderr that the notebook session starts and when it is ready, before the first cell', () => {
    // Loading the toolkit into tslab and type-checking its declarations takes seconds: not in silence.
    assert.match(result.stderr, /^starting the notebook session \(tslab: loading @s3lab\/toolkit, type-checking its declarations\)\nnotebook session ready \(\d+\.\d s\)\n\[1\/\d+\] cell /u);
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
    // At 100%, or (the dense index already on disk from an earlier run) saying that there was nothing to encode.
    for (const p of progress) assert.match(String(p.data?.['text/plain']), /\(100%\)|^encoding passages: nothing to do \d+\.\d s$/u, 'a progress output ends in its final state');
  });

  test('records the run: commit, parameters, seeds, versions, per-cell timings', () => {
    const run = notebook.metadata.s3lab.run;
    assert.equal(run.status, 'ok');
    assert.deepEqual(run.parameters, { scale: 'lab', seed: 2, smoke: true, k: 3, rebuild: false });
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
      assert.match(result.stderr.replace(/^(\[\d+\/\d+\] |starting the notebook session |notebook session ready ).*\n/gmu, ''), expected);
    }
  });
});

describe('s3lab run: progress on the terminal while a cell runs', () => {
  const dir = tempDir('progress');
  const cells = [
    "import { displayProgress, displayProgressCallback } from '@s3lab/toolkit';\nconst sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));",
    "const steps = displayProgress('steps', 12, { intervalMs: 0 });\nfor (let i = 0; i < 12; i++) { await sleep(250); steps.tick(); }\nsteps.done();",
    // Work that reports only at its end (a BM25 build of a small corpus): elapsed counts from the callback's creation.
    "const late = displayProgressCallback('late report');\nawait sleep(1500);\nlate(100, 100);\nlate.finish();",
  ];
  let lines: { at: number; text: string }[];
  let status: number | null;
  let executed: Notebook;
  before(async () => {
    const notebook = writeNotebook(dir, 'progress.ipynb', cells);
    ({ lines, status } = await timedStderr(['run', notebook, '--out', join(dir, 'out')]));
    executed = read(join(dir, 'out', 'progress.ipynb'));
  });

  const progressLines = (label: string) => lines
    .map(({ at, text }) => ({ at, text, match: new RegExp(`^  ${label} (\\d+)/(\\d+) \\(\\d+%\\) (\\d+\\.\\d)s`, 'u').exec(text) }))
    .filter((line) => line.match)
    .map(({ at, text, match }) => ({ at, text, done: Number(match?.[1]), seconds: Number(match?.[3]) }));

  test('stderr gets progress lines while the cell runs, not only at its end', () => {
    assert.equal(status, 0, lines.map((l) => l.text).join('\n'));
    const steps = progressLines('steps');
    assert.ok(steps.length >= 3, `several lines for a 3 s bar: ${steps.map((l) => l.text).join(' | ')}`);
    assert.ok(steps.at(-1)!.at - steps[0]!.at >= 1500, 'the lines arrived spread over the cell, as it ran');
    for (let i = 1; i < steps.length; i++) assert.ok(steps[i]!.seconds >= steps[i - 1]!.seconds && steps[i]!.done >= steps[i - 1]!.done, 'elapsed and count only grow');
    assert.ok(steps.some((l) => l.done > 0 && l.done < 12), 'an intermediate state was printed');
    const cellLine = lines.findIndex((l) => l.text.startsWith('[2/3] cell 1'));
    const nextCell = lines.findIndex((l) => l.text.startsWith('[3/3] cell 2'));
    const stepLines = lines.map((l, i) => ({ l, i })).filter(({ l }) => l.text.startsWith('  steps '));
    assert.ok(stepLines.every(({ i }) => i > cellLine && i < nextCell), 'under the cell that reports them');
  });

  test('elapsed time is the time the work took, in the terminal and in the notebook', () => {
    const steps = progressLines('steps');
    assert.equal(steps.at(-1)?.done, 12);
    assert.ok(steps.at(-1)!.seconds >= 2.8 && steps.at(-1)!.seconds < 30, steps.at(-1)!.text);
    const late = progressLines('late report');
    assert.ok(late.at(-1)!.seconds >= 1.4, `reported once at its end, yet counted from its start: ${late.at(-1)?.text}`);
    const texts = executed.cells.flatMap((c) => c.outputs ?? []).map((o) => String(o.data?.['text/plain'] ?? ''));
    const seconds = (label: string) => Number(/ (\d+\.\d) s$/u.exec(texts.find((t) => t.startsWith(label)) ?? '')?.[1]);
    assert.ok(seconds('steps 12/12 (100%)') >= 2.8, texts.join(' | '));
    assert.ok(seconds('late report 100/100 (100%)') >= 1.4, texts.join(' | '));
  });
});

/** Runs the built CLI and records when each stderr line arrived (ms since start). */
function timedStderr(args: string[]): Promise<{ status: number | null; lines: { at: number; text: string }[] }> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(ROOT, 'toolkit', 'bin', 's3lab.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const lines: { at: number; text: string }[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) lines.push({ at: Date.now() - started, text });
    });
    const timer = setTimeout(() => child.kill(), 180_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (partial) lines.push({ at: Date.now() - started, text: partial });
      resolvePromise({ status, lines });
    });
  });
}
