import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { formatTable, terminalProgress } from '@s3lab/toolkit';

describe('tables', () => {
  const rows = [{ type: 'bridge', n: 350, rate: 0.0171 }, { type: 'paraphrase', n: 150, rate: 0 }];

  test('text tables align columns and give a fractional column the same digits', () => {
    assert.equal(formatTable(rows), [
      'type          n   rate',
      '----------  ---  -----',
      'bridge      350  0.017',
      'paraphrase  150  0.000',
    ].join('\n'));
  });

  test('markdown tables right-align numbers', () => {
    const md = formatTable(rows, { style: 'markdown', digits: 2 });
    assert.equal(md.split('\n')[1], '|------------|----:|-----:|');
    assert.equal(md.split('\n')[3], '| paraphrase | 150 | 0.00 |');
  });
});

describe('progress', () => {
  test('off a terminal, progress is plain lines ending with the total', () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const progress = terminalProgress('indexing', 4, { stream: stream as unknown as NodeJS.WriteStream, intervalMs: 0 });
    for (let i = 0; i < 4; i++) progress.tick();
    progress.done();
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0] as string, /^indexing 1\/4 \(25%\)/u);
    assert.match(lines[4] as string, /^indexing 4\/4 \(100%\)/u);
    assert.ok(!out.includes('\r'), 'no carriage returns in plain mode');
  });
});
