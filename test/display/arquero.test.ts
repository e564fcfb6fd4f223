// Arquero tables display as the toolkit's tables do (HTML and aligned text), as `display(…)` and as a
// cell's value, and the evaluation summary is an arquero table that can be queried.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import * as aq from 'arquero';
import { op } from 'arquero';
import {
  display, isArqueroTable, isDisplayable, markdown, setDisplaySink, summaryRows, summaryTable, table, toMimeBundle,
  type DisplaySink, type MimeBundle, type SummaryCell,
} from '@s3lab/toolkit';

afterEach(() => setDisplaySink(undefined));

function recordingSink(): DisplaySink & { bundles: MimeBundle[] } {
  const bundles: MimeBundle[] = [];
  return { name: 'recording', rich: true, bundles, display: (bundle) => bundles.push(bundle), update: (bundle) => bundles.push(bundle) };
}

/** The cells of an HTML table body, row by row, as text. */
function bodyCells(html: string): string[][] {
  const body = html.split('<tbody>')[1]?.split('</tbody>')[0] ?? '';
  return [...body.matchAll(/<tr>(.*?)<\/tr>/gu)].map((row) => [...(row[1] ?? '').matchAll(/<td[^>]*>(.*?)<\/td>/gu)].map((cell) => cell[1] ?? ''));
}

const cell = (method: string, type: string, genAcc: number, gbr: number | null): SummaryCell => ({
  method, type, questions: 4, genAcc, gbr, em: genAcc, f1: genAcc, judged: 0, documents: 3, searcherTokens: method === 'naive-rag' ? 0 : 90, turns: 1,
});

describe('arquero tables as outputs', () => {
  const results = aq.from([
    { type: 'bridge', method: 'naive-rag', genAcc: 0.25 },
    { type: 'bridge', method: 's3', genAcc: 0.5 },
    { type: 'single-hop', method: 'naive-rag', genAcc: 0.75 },
    { type: 'single-hop', method: 's3', genAcc: 0.5 },
  ]);

  test('a table is recognised by its methods, and displayable; row arrays and plain objects are not tables', () => {
    assert.equal(isArqueroTable(results), true);
    assert.equal(isDisplayable(results), true);
    assert.equal(isArqueroTable([{ a: 1 }]), false);
    assert.equal(isArqueroTable({ objects: () => [] }), false);
  });

  test('its MIME bundle has an HTML table with its rows, after pivot and orderby, and the aligned text of table()', () => {
    const pivoted = results.groupby('type').pivot('method', { GenAcc: op.mean('genAcc') }).orderby(aq.desc('type'));
    const bundle = toMimeBundle(pivoted);
    const html = String(bundle['text/html']);
    assert.match(html, /^<table class="s3lab-table">/u);
    assert.match(html, /<th style="text-align:left">type<\/th><th style="text-align:right">naive-rag<\/th><th style="text-align:right">s3<\/th>/u);
    assert.deepEqual(bodyCells(html), [['single-hop', '0.750', '0.500'], ['bridge', '0.250', '0.500']]);
    assert.equal(bundle['text/plain'], [
      'type        naive-rag     s3',
      '----------  ---------  -----',
      'single-hop      0.750  0.500',
      'bridge          0.250  0.500',
    ].join('\n'));
    assert.deepEqual(bundle, table(pivoted.objects() as { type: string; 'naive-rag': number; s3: number }[]).toMimeBundle({ embedPlotly: false }), 'the same bundle as the rows through table()');
  });

  test('display() and table() take a table: filtered rows only, the caption kept, HTML escaped', () => {
    const sink = recordingSink();
    setDisplaySink(sink);
    display(results.filter((d) => d.genAcc > 0.4).select('method', 'genAcc'));
    display(table(aq.from([{ name: '<b>x</b>' }]), { caption: 'a & b' }));
    assert.equal(sink.bundles.length, 2);
    assert.deepEqual(bodyCells(String(sink.bundles[0]?.['text/html'])), [['s3', '0.500'], ['naive-rag', '0.750'], ['s3', '0.500']]);
    assert.match(String(sink.bundles[1]?.['text/html']), /<caption>a &amp; b<\/caption>[\s\S]*&lt;b&gt;x&lt;\/b&gt;/u);
    assert.equal(String(sink.bundles[1]?.['text/plain']).split('\n')[0], 'a & b');
  });

  test('a long table shows its first rows and says how many there are; a grouped one names its groups', () => {
    const long = aq.from(Array.from({ length: 120 }, (_, i) => ({ i, parity: i % 2 === 0 ? 'even' : 'odd' })));
    const bundle = toMimeBundle(long);
    assert.equal(bodyCells(String(bundle['text/html'])).length, 50);
    assert.match(String(bundle['text/html']), /<caption>first 50 of 120 rows<\/caption>/u);
    assert.equal(table(long, { maxRows: 3, caption: 'numbers' }).rows.length, 3);
    assert.match(String(table(long, { maxRows: 3, caption: 'numbers' }).toMimeBundle({ embedPlotly: false })['text/plain']), /^numbers \(first 3 of 120 rows\)\n/u);
    assert.match(String(toMimeBundle(long.groupby('parity'))['text/plain']), /grouped by parity \(2 groups\)/u);
  });

  test('values that are not numbers or strings show as text: dates as ISO, arrays as JSON, null as blank', () => {
    const rows = table(aq.from([{ when: new Date(Date.UTC(2026, 0, 2)), ids: ['a', 'b'], gap: null }])).rows;
    assert.deepEqual(rows, [{ when: '2026-01-02T00:00:00.000Z', ids: '["a","b"]', gap: null }]);
  });

  test('an empty table keeps its header', () => {
    const html = String(toMimeBundle(results.filter(() => false))['text/html']);
    assert.match(html, /<th[^>]*>type<\/th><th[^>]*>method<\/th><th[^>]*>genAcc<\/th>/u);
    assert.deepEqual(bodyCells(html), []);
  });
});

describe('summaryTable', () => {
  const cells = [cell('naive-rag', 'bridge', 0.25, 0), cell('naive-rag', 'all', 0.5, 0), cell('s3', 'bridge', 0.75, 0.5), cell('s3', 'all', 0.625, null)];

  test('has summaryRows\' columns and values, with GBR null where summaryRows leaves it blank', () => {
    const t = summaryTable(cells);
    assert.deepEqual(t.columnNames(), Object.keys(summaryRows(cells)[0] ?? {}));
    assert.deepEqual(t.objects(), summaryRows(cells).map((row) => ({ ...row, GBR: row.GBR === '' ? null : row.GBR })));
  });

  test('can be filtered, grouped and pivoted', () => {
    const t = summaryTable(cells);
    assert.deepEqual(t.filter((d) => d.type !== 'all').array('method'), ['naive-rag', 's3']);
    assert.deepEqual(t.groupby('method').rollup({ best: op.max('GenAcc'), gbr: op.mean('GBR') }).objects(), [
      { method: 'naive-rag', best: 0.5, gbr: 0 },
      { method: 's3', best: 0.75, gbr: 0.5 }, // the null GBR is skipped by the mean
    ]);
    assert.deepEqual(t.groupby('type').pivot('method', 'GenAcc').objects(), [
      { type: 'bridge', 'naive-rag': 0.25, s3: 0.75 },
      { type: 'all', 'naive-rag': 0.5, s3: 0.625 },
    ]);
  });

  test('an empty summary is an empty table with the columns', () => {
    const t = summaryTable([]);
    assert.equal(t.numRows(), 0);
    assert.deepEqual(t.columnNames(), ['method', 'type', 'n', 'GenAcc', 'GBR', 'EM', 'F1', 'judged', 'docs', 'searcher tokens', 'turns']);
  });
});

describe('markdown outputs', () => {
  test('carry text/markdown and the same text as text/plain', () => {
    assert.deepEqual(toMimeBundle(markdown('**6** questions')), { 'text/markdown': '**6** questions', 'text/plain': '**6** questions' });
  });
});
