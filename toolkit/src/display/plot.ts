/**
 * Plots as notebook outputs: a plotly figure (`application/vnd.plotly.v1+json`, drawn by
 * JupyterLab's plotly renderer), an HTML fallback that draws it with an inlined plotly.js
 * (works offline, in any notebook front end that runs trusted HTML), and a text rendering.
 *
 * @example
 * ```ts
 * import { barChart, display, plot } from '@s3lab/toolkit';
 * display(plot(barChart({ title: 'hit rate', categories: ['bridge', 'single-hop'], series: { BM25: [0.01, 0.94], dense: [0.07, 0.95] } })));
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { BundleContext, Displayable, MimeBundle } from './mime.js';
import { plotlyDrawScript, plotlyLibrarySource, withTitleClearOfToolbar, type Figure } from './plotly.js';
import { formatTable, type Row } from '../core/text-table.js';

export type { Figure, PlotTrace } from './plotly.js';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/**
 * A figure to `display`. Its title is moved clear of plotly's toolbar (`withTitleClearOfToolbar`)
 * in the figure itself, so JupyterLab's plotly renderer, which draws the JSON, shows it clear too.
 */
export function plot(figure: Figure): Displayable & { figure: Figure } {
  const shown = withTitleClearOfToolbar(figure);
  return {
    figure: shown,
    toMimeBundle: (context: BundleContext): MimeBundle => ({
      [PLOTLY_MIME]: shown,
      'text/html': plotHtml(shown, context.embedPlotly),
      'text/plain': plotText(shown),
    }),
  };
}

/** A `<div>` and the script that draws `figure` into it; with `embedLibrary`, plotly.js comes first. */
export function plotHtml(figure: Figure, embedLibrary: boolean): string {
  const id = `s3lab-plot-${randomBytes(6).toString('hex')}`;
  const height = typeof figure.layout?.height === 'number' ? figure.layout.height : 420;
  const libraryScript = embedLibrary ? `<script type="text/javascript">${plotlyLibrarySource()}</script>\n` : '';
  return `<div class="s3lab-plot"><div id="${id}" style="width:100%;height:${height}px"></div>\n${libraryScript}<script type="text/javascript">${plotlyDrawScript(id, figure)}</script></div>`;
}

/** The figure as text: its title, then a table of the traces' y values by x when they share one x axis. */
export function plotText(figure: Figure): string {
  const title = layoutTitle(figure);
  const xs = figure.data[0]?.x;
  const sameX = xs !== undefined && figure.data.every((t) => t.x?.length === xs.length && t.x.every((v, i) => v === xs[i]));
  if (!sameX || figure.data.some((t) => t.y === undefined)) {
    return `${title}plot: ${figure.data.length} trace(s) ${figure.data.map((t) => t.name ?? t.type ?? 'trace').join(', ')}`;
  }
  const rows: Row[] = xs.map((x, i) => {
    const row: Row = { x: String(x) };
    figure.data.forEach((t, j) => { row[t.name ?? `trace ${j}`] = t.y?.[i] as number; });
    return row;
  });
  return `${title}${formatTable(rows)}`;
}

function layoutTitle(figure: Figure): string {
  const title = figure.layout?.title;
  const text = typeof title === 'string' ? title : typeof (title as { text?: unknown } | undefined)?.text === 'string' ? (title as { text: string }).text : '';
  return text ? `${text}\n` : '';
}

export interface BarChartOptions {
  /** The x axis categories, in order. */
  categories: readonly string[];
  /** One bar series per entry: name → one value per category. */
  series: Record<string, readonly number[]>;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** y axis range, e.g. [0, 1] for rates. */
  yRange?: [number, number];
}

/** A grouped bar chart figure, its title (if any) already clear of plotly's toolbar. */
export function barChart(options: BarChartOptions): Figure {
  return withTitleClearOfToolbar({
    data: Object.entries(options.series).map(([name, values]) => ({ type: 'bar', name, x: [...options.categories], y: [...values] })),
    layout: {
      ...(options.title ? { title: { text: options.title } } : {}),
      barmode: 'group',
      xaxis: { title: { text: options.xTitle ?? '' } },
      yaxis: { title: { text: options.yTitle ?? '' }, ...(options.yRange ? { range: options.yRange } : {}) },
      margin: { t: 50, r: 20, b: 60, l: 60 },
      height: 420,
    },
    config: { responsive: true, displaylogo: false },
  });
}
