/**
 * The HTML report of an executed notebook: one self-contained file (no network: plotly.js is
 * inlined once, in the head, when the notebook has a plot) with the Markdown, the code, every
 * output, and the run's metadata (parameters, commit, versions, timings) at the top.
 *
 * Outputs render from the richest MIME type the report knows: a plotly figure is drawn from its
 * JSON (the bundle's own HTML fallback, which may carry another copy of plotly.js, is skipped),
 * then HTML, PNG/SVG images, Markdown, and text.
 *
 * Code is read as in a notebook: TypeScript cells are highlighted (highlight.js, its GitHub theme
 * inlined as CSS) and long lines wrap instead of hiding behind a scroll bar, so a printed or
 * screenshotted report shows all of every line.
 *
 * @example
 * ```ts
 * await writeFile('out/00-quickstart.html', renderReport(await readNotebook('out/00-quickstart.ipynb'), { title: '00-quickstart' }));
 * ```
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { escapeHtml, PLOTLY_MIME, plotlyDrawScript, plotlyLibrarySource, type Figure } from '@s3lab/toolkit';
import { cellSource, type Cell, type Notebook, type Output } from '../notebook/ipynb.js';
import { highlightCode, markdownToHtml } from './markdown.js';

export interface ReportOptions {
  title: string;
}

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #1d1d1f; }
pre { background: #f6f8fa; padding: .6em .8em; border-radius: 4px; font-size: 13px; white-space: pre-wrap; overflow-wrap: anywhere; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
pre code.hljs { display: inline; padding: 0; overflow-x: visible; background: none; }
.cell { margin: 1.2em 0; }
.code .source { border-left: 3px solid #4a7dbb; }
.code .label { color: #888; font-size: 12px; font-family: ui-monospace, monospace; }
.output { margin: .4em 0 .4em 1em; }
.output pre { background: #fff; border: 1px solid #eee; }
.stderr pre { background: #fff8f0; }
.error pre { background: #fdecea; color: #a50e0e; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .6em; }
th { background: #f3f3f3; }
caption { font-weight: 600; text-align: left; padding-bottom: .3em; }
.run { background: #f7f7fb; border: 1px solid #e3e3ef; padding: .5em 1em; border-radius: 6px; font-size: 13px; }
.failed { color: #a50e0e; font-weight: 600; }
`;

export function renderReport(notebook: Notebook, options: ReportOptions): string {
  const hasPlot = notebook.cells.some((cell) => (cell.outputs ?? []).some((o) => o.output_type !== 'stream' && o.output_type !== 'error' && PLOTLY_MIME in o.data));
  let plots = 0;
  const body = notebook.cells.map((cell, index) => renderCell(cell, index, () => `s3lab-report-plot-${plots++}`)).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${highlightStyle()}${STYLE}</style>
${hasPlot ? `<script type="text/javascript">${plotlyLibrarySource()}</script>` : ''}
</head>
<body>
${renderRun(notebook)}
${body}
</body>
</html>
`;
}

function renderRun(notebook: Notebook): string {
  const run = (notebook.metadata.s3lab as { run?: Record<string, unknown> } | undefined)?.run;
  if (!run) return '';
  const git = run.git as { commit: string; dirty: boolean } | null;
  const versions = run.versions as Record<string, string> | undefined;
  const failure = run.failure as { message: string } | undefined;
  const rows: [string, string][] = [
    ['notebook', String(run.notebook)],
    ['status', failure ? `<span class="failed">failed: ${escapeHtml(failure.message)}</span>` : 'ok'],
    ['parameters', escapeHtml(JSON.stringify(run.parameters))],
    ['started', `${escapeHtml(String(run.startedAt))} (${escapeHtml(String(run.seconds))} s)`],
    ['commit', git ? `${escapeHtml(git.commit)}${git.dirty ? ' (with uncommitted changes)' : ''}` : 'not in a git repository'],
    ['versions', escapeHtml(Object.entries(versions ?? {}).map(([k, v]) => `${k} ${v}`).join(', '))],
  ];
  return `<div class="run"><table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${k === 'notebook' ? escapeHtml(v) : v}</td></tr>`).join('')}</table></div>`;
}

function renderCell(cell: Cell, index: number, plotId: () => string): string {
  const source = cellSource(cell);
  if (cell.cell_type === 'markdown') return `<div class="cell markdown">${markdownToHtml(source)}</div>`;
  if (cell.cell_type === 'raw') return `<div class="cell raw"><pre>${escapeHtml(source)}</pre></div>`;
  const timing = (cell.metadata.s3lab as { seconds?: number } | undefined)?.seconds;
  const label = `In [${cell.execution_count ?? ' '}] · cell ${index}${timing !== undefined ? ` · ${timing.toFixed(2)} s` : ''}`;
  const outputs = (cell.outputs ?? []).map((output) => `<div class="output ${output.output_type === 'stream' ? output.name : output.output_type}">${renderOutput(output, plotId)}</div>`).join('\n');
  return `<div class="cell code"><div class="label">${escapeHtml(label)}</div><pre class="source"><code class="hljs language-typescript">${highlightCode(source, 'typescript')}</code></pre>\n${outputs}</div>`;
}

function renderOutput(output: Output, plotId: () => string): string {
  if (output.output_type === 'stream') return `<pre>${escapeHtml(stripAnsi(output.text))}</pre>`;
  if (output.output_type === 'error') return `<pre>${escapeHtml(stripAnsi([`${output.ename}: ${output.evalue}`, ...output.traceback.slice(1)].join('\n')))}</pre>`;
  const data = output.data;
  if (PLOTLY_MIME in data) {
    const id = plotId();
    const figure = data[PLOTLY_MIME] as Figure;
    const height = typeof figure.layout?.height === 'number' ? figure.layout.height : 420;
    return `<div id="${id}" class="s3lab-plot" style="width:100%;height:${height}px"></div><script type="text/javascript">${plotlyDrawScript(id, figure)}</script>`;
  }
  if (typeof data['text/html'] === 'string') return data['text/html'];
  if (typeof data['image/png'] === 'string') return `<img alt="plot" src="data:image/png;base64,${escapeHtml(data['image/png'])}">`;
  if (typeof data['image/svg+xml'] === 'string') return data['image/svg+xml'];
  if (typeof data['text/markdown'] === 'string') return markdownToHtml(data['text/markdown']);
  const text = data['text/plain'];
  return `<pre>${escapeHtml(typeof text === 'string' ? text : JSON.stringify(text, null, 2))}</pre>`;
}

let theme: string | undefined;

/**
 * highlight.js's GitHub theme (1.3 kB), read from the package once and inlined: the report has
 * no network. It comes before the report's own style, which overrides its block layout of
 * `pre code.hljs` (its `overflow-x: auto` would bring back the scroll bar).
 */
function highlightStyle(): string {
  theme ??= readFileSync(createRequire(import.meta.url).resolve('highlight.js/styles/github.min.css'), 'utf8');
  return theme;
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/gu, '');
}
