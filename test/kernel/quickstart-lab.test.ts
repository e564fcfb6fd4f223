/**
 * The quickstart at lab scale, as `npm start` runs it (`s3lab run notebooks/00-quickstart.ipynb`),
 * from a workspace whose `out/` is empty (the path a fresh clone takes): it must open the dense
 * index the repository ships, after checking it, rather than encode the corpus — encoding is what
 * made `npm start` take minutes. About 30 s; the smoke-scale runs are in runner.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cellSource, readNotebook, type Notebook, type Output } from './executed-notebook.js';
import { QUICKSTART, ROOT, s3lab, tempDir } from './support.js';

describe('s3lab run: the quickstart at lab scale, as npm start runs it', () => {
  const workspace = tempDir('quickstart-lab');
  let result: ReturnType<typeof s3lab>;
  let notebook: Notebook;
  before(() => {
    mkdirSync(join(workspace, 'notebooks'));
    copyFileSync(QUICKSTART, join(workspace, 'notebooks', '00-quickstart.ipynb'));
    symlinkSync(join(ROOT, 'datasets'), join(workspace, 'datasets'));
    result = s3lab(['run', join(workspace, 'notebooks', '00-quickstart.ipynb'), '--out', join(workspace, 'out')]);
    notebook = readNotebook(join(workspace, 'out', '00-quickstart.ipynb'));
  });
  after(() => rmSync(workspace, { recursive: true, force: true })); // the datasets link, not what it points to

  const denseCell = () => notebook.cells.find((c) => c.cell_type === 'code' && cellSource(c).includes('checkLabDenseIndex('));
  const text = (outputs: Output[]) => outputs.map((o) => o.text ?? String(o.data?.['text/plain'] ?? '')).join('');

  test('every cell runs', () => {
    assert.equal(result.status, 0, result.stderr);
    assert.equal(notebook.metadata.s3lab.run.parameters.rebuild, false);
  });

  test('the dense index is the shipped one, checked, not encoded again', () => {
    const outputs = denseCell()?.outputs ?? [];
    assert.match(text(outputs), /^dense: 19720 vectors of 192 dimensions in \.\.\/datasets\/indexes\/lab-e5-small, the shipped one: 16 passages encoded again match their stored vectors to \d\.\de[-+]\d+ \(\d+\.\d s\)$/mu);
    assert.ok(!outputs.some((o) => String(o.data?.['text/plain'] ?? '').startsWith('encoding passages')), 'no encoding progress');
    const indexes = join(workspace, 'out', 'indexes');
    assert.deepEqual(existsSync(indexes) ? readdirSync(indexes) : [], [], 'nothing built under out/indexes/');
    assert.doesNotMatch(result.stderr, /encoding passages/u);
  });
});
