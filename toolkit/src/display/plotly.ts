/**
 * plotly.js for HTML that must work offline: the library is read from the
 * `plotly.js-dist-min` package and inlined, never fetched from a CDN.
 *
 * @example
 * ```ts
 * const html = `<script>${plotlyLibrarySource()}</script><div id="p"></div><script>${plotlyDrawScript('p', { data: [{ y: [1, 3] }] })}</script>`;
 * ```
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A plotly figure (the JSON plotly.js draws); see https://plotly.com/javascript/reference/. */
export interface Figure {
  data: PlotTrace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** One trace: `type` (`bar`, `scatter`, …), `name`, `x`, `y` and any other plotly attribute. */
export interface PlotTrace {
  type?: string;
  name?: string;
  x?: readonly unknown[];
  y?: readonly unknown[];
  [attribute: string]: unknown;
}

let library: string | undefined;

/** plotly.min.js (4.8 MB), safe to put inside a `<script>` element. Read once per process. */
export function plotlyLibrarySource(): string {
  library ??= readFileSync(createRequire(import.meta.url).resolve('plotly.js-dist-min'), 'utf8').replace(/<\/script/giu, '<\\/script');
  return library;
}

/** JSON that can sit inside a `<script>` element (no `</script>`, no line separators JavaScript rejects). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</gu, '\\u003c').replace(/\u2028/gu, '\\u2028').replace(/\u2029/gu, '\\u2029');
}

/**
 * Space above the plot area, in px, when the figure has a title: plotly's modebar (its toolbar,
 * about 26 px tall at the top right) takes the top, the title sits below it. 70 leaves the
 * toolbar (2–28 px) clear of a one-line title (16 px font, 12 px pad) on any width.
 */
const TITLED_TOP_MARGIN = 70;
/** Extra top margin per additional title line (`<br>` in the text). */
const TITLE_LINE_PX = 22;

/**
 * The figure with its title clear of plotly's toolbar. By default plotly centres the title in the
 * top margin, which is where the toolbar appears (always in a report, on hover in JupyterLab),
 * so a long title runs under it. Here the title sits on top of the plot area instead
 * (`yref: 'paper'`, anchored at its bottom) and the top margin grows to leave the toolbar its own
 * strip. A title the figure already places (`y`, `yref` or `yanchor` set) is left as it is.
 */
export function withTitleClearOfToolbar(figure: Figure): Figure {
  const layout = figure.layout ?? {};
  const raw = layout.title;
  const title = typeof raw === 'string' ? { text: raw } : typeof raw === 'object' && raw !== null ? raw as Record<string, unknown> : undefined;
  if (!title || typeof title.text !== 'string' || title.text.trim() === '') return figure;
  if ('y' in title || 'yref' in title || 'yanchor' in title) return figure;
  const lines = title.text.split(/<br\s*\/?>/iu).length;
  const margin = typeof layout.margin === 'object' && layout.margin !== null ? layout.margin as Record<string, unknown> : {};
  // Plotly's own default top margin is 100 px: a figure that sets none keeps it.
  const top = typeof margin.t === 'number' ? margin.t : 100;
  return {
    ...figure,
    layout: {
      ...layout,
      title: { ...title, yref: 'paper', y: 1, yanchor: 'bottom', pad: { b: 12 } },
      margin: { ...margin, t: Math.max(top, TITLED_TOP_MARGIN + TITLE_LINE_PX * (lines - 1)) },
    },
  };
}

/**
 * JavaScript that draws `figure` into the element `id` once `window.Plotly` exists (the library
 * may come in a later script of the same page), and says so in the element if it never does.
 * The title is moved clear of the toolbar first (`withTitleClearOfToolbar`).
 */
export function plotlyDrawScript(id: string, figure: Figure): string {
  return `(function () {
  var figure = ${scriptJson(withTitleClearOfToolbar(figure))}, started = Date.now();
  function draw() {
    var el = document.getElementById(${scriptJson(id)});
    if (!el) return;
    if (window.Plotly) { window.Plotly.newPlot(el, figure.data, figure.layout || {}, figure.config || { responsive: true }); return; }
    if (Date.now() - started < 10000) { setTimeout(draw, 50); return; }
    el.textContent = 'plotly.js is not loaded on this page: run the cell of the first plot again (it embeds the library).';
  }
  draw();
})();`;
}
