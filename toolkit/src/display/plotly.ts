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
 * JavaScript that draws `figure` into the element `id` once `window.Plotly` exists (the library
 * may come in a later script of the same page), and says so in the element if it never does.
 */
export function plotlyDrawScript(id: string, figure: Figure): string {
  return `(function () {
  var figure = ${scriptJson(figure)}, started = Date.now();
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
