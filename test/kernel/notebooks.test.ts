/**
 * Every notebook in notebooks/ runs headless at smoke scale (`s3lab run NOTEBOOK -p smoke=true`),
 * shows a table, and shows a plotly figure where its code plots. A new notebook is picked up
 * without touching this file; it only has to declare `smoke` in its parameters cell.
 *
 * The notebooks run from a copy of notebooks/ in a temporary workspace whose datasets/ links to
 * this repository's, so `../out/indexes` is empty there: every index is built from scratch (the
 * path a fresh checkout takes), and nothing is shared with other tests or with out/. The workspace
 * (indexes included, about 40 MB) is removed at the end; a failure's message carries the run's stderr.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cellSource, readNotebook, type Output } from './executed-notebook.js';
import { ROOT, s3lab, tempDir } from './support.js';

const PLOTLY = 'application/vnd.plotly.v1+json';
const NOTEBOOKS = readdirSync(join(ROOT, 'notebooks')).filter((name) => name.endsWith('.ipynb')).sort();

describe('every notebook runs headless at smoke scale', () => {
  const workspace = tempDir('notebooks');
  mkdirSync(join(workspace, 'notebooks'));
  for (const name of NOTEBOOKS) copyFileSync(join(ROOT, 'notebooks', name), join(workspace, 'notebooks', name));
  symlinkSync(join(ROOT, 'datasets'), join(workspace, 'datasets'));
  const out = join(workspace, 'executed');
  after(() => rmSync(workspace, { recursive: true, force: true })); // removes the datasets link, not what it points to

  test('notebooks/ holds notebooks', () => {
    assert.ok(NOTEBOOKS.length > 0, 'no .ipynb in notebooks/');
  });

  // nbformat 4.5 gives every cell an id: nbformat warns on a cell without one (MissingIDFieldWarning) and
  // Jupyter writes random ids into it on the first save, so a notebook without them changes when opened.
  test('every notebook is nbformat 4.5 or later, each cell with a unique valid id', () => {
    for (const name of NOTEBOOKS) {
      const notebook = JSON.parse(readFileSync(join(ROOT, 'notebooks', name), 'utf8')) as { nbformat: number; nbformat_minor: number; cells: { id?: unknown }[] };
      assert.ok(notebook.nbformat > 4 || (notebook.nbformat === 4 && notebook.nbformat_minor >= 5), `${name}: nbformat ${notebook.nbformat}.${notebook.nbformat_minor}`);
      const ids = notebook.cells.map((c) => c.id);
      const bad = ids.filter((id) => typeof id !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/u.test(id));
      assert.deepEqual(bad, [], `${name}: cells without a valid id`);
      assert.equal(new Set(ids).size, ids.length, `${name}: cell ids are unique`);
    }
  });

  for (const name of NOTEBOOKS) {
    test(name, (t) => {
      const started = performance.now();
      const result = s3lab(['run', join(workspace, 'notebooks', name), '-p', 'smoke=true', '--out', out]);
      t.diagnostic(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      assert.equal(result.status, 0, `exit ${result.status}\n${result.stderr.split('\n').filter((line) => !/^\[\d+\/\d+\] /u.test(line)).join('\n')}`);

      const notebook = readNotebook(join(out, name));
      assert.equal(notebook.metadata.s3lab.run.status, 'ok');
      assert.equal(notebook.metadata.s3lab.run.parameters.smoke, true, 'the notebook declares smoke and it was set');
      const code = notebook.cells.filter((c) => c.cell_type === 'code');
      assert.ok(code.every((c, i) => c.execution_count === i + 1), 'every code cell executed, in order');
      const outputs: Output[] = code.flatMap((c) => c.outputs ?? []);
      const errors = outputs.filter((o) => o.output_type === 'error');
      assert.deepEqual(errors.map((o) => `${o.ename}: ${o.evalue}`), [], 'no error outputs');

      assert.ok(outputs.some((o) => typeof o.data?.['text/html'] === 'string' && (o.data['text/html'] as string).includes('<table class="s3lab-table">')), 'at least one table (text/html)');
      if (code.some((c) => /\bplot\(/u.test(cellSource(c)))) {
        const figures = outputs.flatMap((o) => (o.data?.[PLOTLY] ? [o.data[PLOTLY] as { data: { y?: unknown[] }[] }] : []));
        assert.ok(figures.length > 0, 'the notebook plots, so it has a plotly output');
        for (const figure of figures) {
          assert.ok(figure.data.length > 0, 'a figure has traces');
          assert.ok(figure.data.every((trace) => (trace.y ?? []).length > 0 && (trace.y ?? []).every((y) => typeof y === 'number' && Number.isFinite(y))), 'every trace has finite y values');
        }
      }
      assert.ok(existsSync(join(out, name.replace(/\.ipynb$/u, '.html'))), 'the HTML report is written');
    });
  }
});
