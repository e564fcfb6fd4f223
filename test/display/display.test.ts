import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  barChart, currentDisplaySink, display, displayProgress, htmlTable, liveDisplay, plot, PLOTLY_MIME, setDisplaySink, table,
  terminalSink, type DisplaySink, type MimeBundle,
} from '@s3lab/toolkit';

/** A sink that records what it is sent, as the kernel and runner sinks receive it. */
function recordingSink(): DisplaySink & { events: { kind: 'display' | 'update'; id: string; bundle: MimeBundle }[] } {
  const events: { kind: 'display' | 'update'; id: string; bundle: MimeBundle }[] = [];
  return {
    name: 'recording', rich: true, events,
    display: (bundle, id) => events.push({ kind: 'display', id, bundle }),
    update: (bundle, id) => events.push({ kind: 'update', id, bundle }),
  };
}

afterEach(() => setDisplaySink(undefined));

describe('HTML tables', () => {
  test('escape every cell, right-align numeric columns and format fractions alike', () => {
    const html = htmlTable([{ name: '<b>A&B</b>', rate: 0.5 }, { name: 'C', rate: 1 }], { caption: 'x < y' });
    assert.match(html, /<caption>x &lt; y<\/caption>/u);
    assert.match(html, /<td style="text-align:left">&lt;b&gt;A&amp;B&lt;\/b&gt;<\/td>/u);
    assert.match(html, /<td style="text-align:right">1\.000<\/td>/u, 'the integer 1 in a fractional column reads 1.000');
    assert.ok(!html.includes('<b>'), 'no raw markup from the data');
  });

  test('a table bundle has HTML for notebooks and aligned text for terminals', () => {
    const bundle = table([{ type: 'bridge', n: 350 }]).toMimeBundle({ embedPlotly: false });
    assert.match(String(bundle['text/html']), /<table class="s3lab-table">/u);
    assert.equal(bundle['text/plain'], 'type      n\n------  ---\nbridge  350');
  });
});

describe('display sinks', () => {
  test('display() sends the bundle to the installed sink; the registry is process-wide', () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    assert.equal((globalThis as Record<symbol, unknown>)[Symbol.for('s3lab.display.sink')], sink);
    display(table([{ a: 1 }]));
    assert.equal(sink.events.length, 1);
    assert.equal(sink.events[0]?.kind, 'display');
    assert.ok('text/html' in (sink.events[0]?.bundle ?? {}));
  });

  test('without a sink installed, output is text on the terminal', () => {
    assert.equal(currentDisplaySink().name, 'terminal');
    const written: string[] = [];
    setDisplaySink(terminalSink({ write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream));
    display(table([{ a: 1 }]));
    display('plain words');
    assert.deepEqual(written, ['a\n-\n1\n', 'plain words\n']);
  });

  test('liveDisplay() updates the same display id', () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    const shown = liveDisplay('step 1');
    shown.update('step 2');
    assert.deepEqual(sink.events.map((e) => [e.kind, e.id, e.bundle['text/plain']]), [['display', shown.id, 'step 1'], ['update', shown.id, 'step 2']]);
  });

  test('progress in a notebook is one output updated in place, ending at the total', () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    const progress = displayProgress('encoding', 4, { intervalMs: 0 });
    for (let i = 0; i < 4; i++) progress.tick();
    progress.done();
    const ids = new Set(sink.events.map((e) => e.id));
    assert.equal(ids.size, 1, 'one display id');
    assert.equal(sink.events[0]?.kind, 'display');
    assert.ok(sink.events.slice(1).every((e) => e.kind === 'update'));
    const last = sink.events[sink.events.length - 1]?.bundle;
    assert.match(String(last?.['text/plain']), /^encoding 4\/4 \(100%\)/u);
    assert.match(String(last?.['text/html']), /<progress value="4" max="4"/u);
  });
});

describe('plots', () => {
  const figure = barChart({ title: 'hit rate', categories: ['bridge', 'single-hop'], series: { BM25: [0.01, 0.94], dense: [0.07, 0.95] }, yRange: [0, 1] });

  test('a bar chart is a grouped plotly figure with one trace per series', () => {
    assert.deepEqual(figure.data.map((t) => [t.type, t.name, t.y]), [['bar', 'BM25', [0.01, 0.94]], ['bar', 'dense', [0.07, 0.95]]]);
    assert.equal(figure.layout?.barmode, 'group');
  });

  test('the first plot a sink shows embeds plotly.js in its HTML fallback; later ones do not', () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    display(plot(figure));
    display(plot(figure));
    const [first, second] = sink.events.map((e) => e.bundle);
    assert.deepEqual(first?.[PLOTLY_MIME], figure);
    const firstHtml = String(first?.['text/html']);
    const secondHtml = String(second?.['text/html']);
    assert.ok(firstHtml.length > 3_000_000 && firstHtml.includes('plotly.js v3'), 'plotly.js inlined (offline)');
    assert.ok(secondHtml.length < 10_000 && secondHtml.includes('Plotly.newPlot'));
    assert.ok(!/<\/script/iu.test(firstHtml.slice(firstHtml.indexOf('<script'), firstHtml.lastIndexOf('</script>')).replace(/<\/script>\n?<script type="text\/javascript">/gu, '')), 'the inlined library cannot close its script element');
    assert.match(String(first?.['text/plain']), /hit rate\nx +BM25 +dense/u);
  });

  test('a terminal shows a plot as its title and a table of values, without plotly.js', () => {
    const written: string[] = [];
    setDisplaySink(terminalSink({ write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream));
    display(plot(figure));
    assert.equal(written.join(''), 'hit rate\nx            BM25  dense\n----------  -----  -----\nbridge      0.010  0.070\nsingle-hop  0.940  0.950\n');
  });
});
