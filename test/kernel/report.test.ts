/**
 * The HTML report as a reader sees it: CommonMark from the Markdown cells, highlighted
 * TypeScript, long lines wrapped rather than hidden, and plot titles clear of plotly's toolbar.
 * The browser part opens one report in headless Chromium (Debian's, driven by playwright-core;
 * no browser download) with the network cut off, and measures the rendered page.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { markdownToHtml, renderReport, type Notebook } from '@s3lab/kernel';
import { barChart, plot, type Figure, type MimeBundle } from '@s3lab/toolkit';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { countColour, readPng } from '../display/png.js';

const CHROMIUM = '/usr/bin/chromium';

// The callbacks handed to page.evaluate run in the browser; the test project has no DOM types, so
// the page globals they use are declared here, for this module only.
declare const document: { querySelector(selector: string): unknown };
declare function getComputedStyle(element: unknown): { color: string; opacity: string; lineHeight: string };

describe('report Markdown is CommonMark', () => {
  test('nested lists, a lazy continuation line and a pipe table with alignment', () => {
    const html = markdownToHtml('- one\n  continued\n  - nested\n- two\n\n| k | recall |\n|---|---:|\n| 3 | 0.9 |\n');
    assert.match(html, /<ul>\s*<li>one\s*continued\s*<ul>\s*<li>nested<\/li>\s*<\/ul>\s*<\/li>\s*<li>two<\/li>\s*<\/ul>/u);
    assert.match(html, /<th style="text-align:right">recall<\/th>/u);
    assert.match(html, /<td style="text-align:right">0\.9<\/td>/u);
  });

  test('emphasis follows the CommonMark rules: snake_case stays literal, nested emphasis works', () => {
    const html = markdownToHtml('Call `top_k` or top_k_passages; ***both*** and **bold *inner***.');
    assert.match(html, /top_k_passages/u, 'intraword underscores are not emphasis');
    assert.match(html, /<em><strong>both<\/strong><\/em>/u);
    assert.match(html, /<strong>bold <em>inner<\/em><\/strong>/u);
  });

  test('raw HTML is shown as text and script URLs are not links; bare URLs become links', () => {
    const html = markdownToHtml('<script>alert(1)</script> [x](javascript:alert(1)) see https://example.org/a');
    assert.ok(!html.includes('<script>'), html);
    assert.match(html, /&lt;script&gt;/u);
    assert.ok(!/href="javascript:/iu.test(html), html);
    assert.match(html, /<a href="https:\/\/example\.org\/a">/u);
  });

  test('fenced code keeps its text and is highlighted in its language', () => {
    const html = markdownToHtml('```python\nimport requests\npayload = {"queries": q}\n```\n');
    assert.match(html, /<pre><code class="language-python"><span class="hljs-keyword">import<\/span> requests/u);
    assert.match(html, /<span class="hljs-string">&quot;queries&quot;<\/span>/u);
  });
});

describe('plot titles clear of the toolbar', () => {
  test('a titled figure gets its title on top of the plot area and a top margin for the toolbar', () => {
    const bundle = plot({ data: [{ type: 'bar', y: [1] }], layout: { title: { text: 'hit rate' }, margin: { t: 50, l: 60 } } })
      .toMimeBundle({ embedPlotly: false });
    const layout = (bundle['application/vnd.plotly.v1+json'] as Figure).layout ?? {};
    assert.deepEqual(layout.title, { text: 'hit rate', yref: 'paper', y: 1, yanchor: 'bottom', pad: { b: 12 } });
    assert.deepEqual(layout.margin, { t: 70, l: 60 });
  });

  test('a figure without a title, or with a title placed by its author, is left as it is', () => {
    const untitled: Figure = { data: [{ type: 'bar', y: [1] }], layout: { margin: { t: 20 } } };
    const placed: Figure = { data: [{ type: 'bar', y: [1] }], layout: { title: { text: 't', y: 0.95 }, margin: { t: 30 } } };
    for (const figure of [untitled, placed]) {
      assert.deepEqual(plot(figure).toMimeBundle({ embedPlotly: false })['application/vnd.plotly.v1+json'], figure);
    }
  });
});

describe('the HTML report in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (Debian package chromium; \`npm test\` as root installs it)` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 's3lab-report-'));
  const profile = mkdtempSync(join(tmpdir(), 's3lab-chromium-profile-')); // empty: no state from earlier runs
  const reportPath = join(dir, 'report.html');
  let context: BrowserContext;
  let page: Page;
  const offlineRequests: string[] = [];
  // Longer than any line fits at the report's 980 px: a cut-off line would hide its end.
  const longLine = `const retrieved = await retriever.search(questions.map((q) => q.question), k); /* ${'wide '.repeat(40)}*/ const tail = 'END-OF-LINE';`;

  before(async () => {
    // Like notebook 01's figure: a long title and a top margin of 50, where plotly's default
    // placement puts the title's right end under the toolbar.
    const figure: Figure = {
      ...barChart({ categories: ['single-hop', 'bridge'], series: { BM25: [0.9, 0.3], dense: [0.95, 0.4] }, yRange: [0, 1] }),
    };
    figure.layout = { ...figure.layout, title: { text: 'recall@k by question type: BM25 (solid) vs dense (dotted), 60 test questions' }, margin: { t: 50, r: 20, b: 60, l: 60 } };
    const plotted: MimeBundle = plot(figure).toMimeBundle({ embedPlotly: false });
    const notebook: Notebook = {
      nbformat: 4, nbformat_minor: 5, metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: '# Retrieval\n\nThe client sends:\n\n```python\npayload = {"queries": queries, "topk": 3}\n```\n' },
        { cell_type: 'code', metadata: {}, execution_count: 1, source: `import { openRetriever } from '@s3lab/toolkit';\n// which passages answer each question\n${longLine}`, outputs: [
          { output_type: 'stream', name: 'stdout', text: `${'x'.repeat(300)}\n` },
        ] },
        { cell_type: 'code', metadata: {}, execution_count: 2, source: 'display(plot(figure));', outputs: [
          { output_type: 'display_data', data: plotted, metadata: {} },
        ] },
      ],
    };
    writeFileSync(reportPath, renderReport(notebook, { title: 'report test' }));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1000, height: 900 },
    });
    // The report must render with no network: any request that is not the file itself fails and is recorded.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      offlineRequests.push(url);
      return route.abort();
    });
    page = await context.newPage();
    await page.goto(`file://${reportPath}`);
    await page.waitForSelector('.s3lab-plot .main-svg .bars', { timeout: 30_000 });
  });

  after(async () => {
    await context?.close();
    for (const path of [dir, profile]) rmSync(path, { recursive: true, force: true });
  });

  test('asks for nothing from the network', () => {
    assert.deepEqual(offlineRequests, []);
  });

  test('TypeScript code cells are highlighted: coloured token spans, drawn in colour', async () => {
    const tokens = await page.$$eval('pre.source code span[class^="hljs-"]', (spans) => spans.map((s) => ({ cls: s.className, text: s.textContent, colour: getComputedStyle(s).color })));
    const base = await page.$eval('pre.source code', (code) => getComputedStyle(code).color);
    assert.ok(tokens.some((t) => t.cls === 'hljs-keyword' && t.text === 'import'), JSON.stringify(tokens.slice(0, 5)));
    assert.ok(tokens.some((t) => t.cls === 'hljs-string' && t.text === "'@s3lab/toolkit'"));
    assert.ok(tokens.some((t) => t.cls === 'hljs-comment'));
    const colours = new Set(tokens.map((t) => t.colour).filter((c) => c !== base));
    assert.ok(colours.size >= 3, `at least three token colours besides the text colour ${base}: ${[...colours].join(', ')}`);
    // On the picture too: the theme's keyword red (#d73a49) is on the screenshot of the code.
    const shot = readPng(await page.locator('pre.source').first().screenshot());
    assert.ok(countColour(shot, [0xd7, 0x3a, 0x49], 40) > 20, 'keyword red on the screenshot');
  });

  test('no code block is clipped: long lines wrap and their end is on the page', async () => {
    const blocks = await page.$$eval('pre, pre code', (els) => els.map((el) => ({ text: (el.textContent ?? '').slice(0, 40), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth })));
    assert.ok(blocks.length >= 5, `code cells, their outputs and the fenced code: ${blocks.length}`);
    for (const block of blocks.filter((b) => b.clientWidth > 0)) assert.ok(block.scrollWidth <= block.clientWidth, `clipped: ${JSON.stringify(block)}`);
    // The long line wrapped (its block is taller than the three source lines) and its end is inside the block.
    const source = page.locator('pre.source').first();
    const box = await source.boundingBox();
    const lineHeight = await source.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
    assert.ok(box && box.height > 4 * lineHeight, `wrapped onto more lines: ${box?.height} px at ${lineHeight} px a line`);
    const end = await page.locator('pre.source span', { hasText: "'END-OF-LINE'" }).boundingBox();
    assert.ok(end && box && end.x + end.width <= box.x + box.width && end.y + end.height <= box.y + box.height, 'the end of the long line is inside the block');
  });

  test("a plot's title does not run under plotly's toolbar", async () => {
    await page.hover('.s3lab-plot .nsewdrag'); // the toolbar shows on hover
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.s3lab-plot .modebar')).opacity === '1');
    const title = await page.locator('.s3lab-plot .gtitle').boundingBox();
    const toolbar = await page.locator('.s3lab-plot .modebar').boundingBox();
    const plotBox = await page.locator('.s3lab-plot').boundingBox();
    assert.ok(title && toolbar && plotBox);
    assert.ok(title.width > 500, `the long title is drawn: ${JSON.stringify(title)}`);
    assert.ok(toolbar.x < title.x + title.width, 'the toolbar spans the columns the title ends in, so only height can keep them apart');
    const overlap = title.y < toolbar.y + toolbar.height && toolbar.y < title.y + title.height;
    assert.ok(!overlap, `title ${JSON.stringify(title)} overlaps the toolbar ${JSON.stringify(toolbar)}`);
    assert.ok(title.y >= plotBox.y, 'the title is inside the plot');
  });
});
