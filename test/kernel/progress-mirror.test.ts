/** The runner's terminal mirror of progress outputs: a redrawn line on a TTY, throttled lines otherwise. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProgressMirror } from '@s3lab/kernel';
import { progressBundle } from '@s3lab/toolkit';

function mirror(tty: boolean, options: { intervalMs?: number; quietMs?: number } = {}) {
  let now = 1_000;
  const written: string[] = [];
  const m = new ProgressMirror({ write: (text) => written.push(text), tty, now: () => now, ...options });
  return { m, written, advance: (ms: number) => (now += ms) };
}

describe('ProgressMirror', () => {
  test('plain: a line when a progress appears, at most one per interval while it advances, and the final one', () => {
    const { m, written, advance } = mirror(false, { intervalMs: 2000 });
    m.startCell();
    m.observe(progressBundle('encoding', 0, 100, 0), 'a');
    for (let i = 1; i <= 10; i++) {
      advance(500);
      m.observe(progressBundle('encoding', i * 10, 100, i * 0.5), 'a');
    }
    m.observe(progressBundle('encoding', 100, 100, 5.1, true), 'a');
    m.observe(progressBundle('encoding', 100, 100, 5.2, true), 'a'); // after done(): nothing more
    assert.deepEqual(written, [
      '  encoding 0/100 (0%) 0.0s\n',
      '  encoding 40/100 (40%) 2.0s eta 3.0s\n',
      '  encoding 80/100 (80%) 4.0s eta 1.0s\n',
      '  encoding 100/100 (100%) 5.1s\n',
    ]);
  });

  test('TTY: one line redrawn in place with a bar, ended by a newline when done; other outputs are ignored', () => {
    const { m, written, advance } = mirror(true, { intervalMs: 100 });
    m.observe({ 'text/plain': 'a table' }, 't');
    m.observe(progressBundle('steps', 1, 4, 0.5), 's');
    advance(200);
    m.observe(progressBundle('steps', 2, 4, 1), 's');
    advance(10);
    m.observe(progressBundle('steps', 3, 4, 1.01), 's'); // within the interval: not redrawn
    m.observe(progressBundle('steps', 4, 4, 2, true), 's');
    assert.deepEqual(written, [
      '\r  steps [#####...............] 1/4 (25%) 0.5s eta 1.5s\x1b[K',
      '\r  steps [##########..........] 2/4 (50%) 1.0s eta 1.0s\x1b[K',
      '\r  steps [####################] 4/4 (100%) 2.0s\x1b[K\n',
    ]);
  });

  test('work of unknown size: count and rate, then "done", or "nothing to do" when it reported nothing', () => {
    const { m, written } = mirror(false);
    m.observe(progressBundle('indexing', 300, undefined, 2), 'a');
    m.observe(progressBundle('indexing', 600, undefined, 3, true), 'a');
    m.observe(progressBundle('encoding', 0, undefined, 0, false), 'b');
    m.observe(progressBundle('encoding', 0, undefined, 0.02, true), 'b');
    assert.deepEqual(written, ['  indexing 300 (150/s) 2.0s\n', '  indexing 600 done (200/s) 3.0s\n', '  encoding 0 (0/s) 0.0s\n', '  encoding: nothing to do 0.0s\n']);
    assert.equal(progressBundle('encoding', 0, undefined, 0.02, true)['text/plain'], 'encoding: nothing to do 0.0 s');
  });

  test('TTY: a line left open is ended before the next cell; a silent cell gets a still-running line', () => {
    const { m, written, advance } = mirror(true, { quietMs: 30_000 });
    m.startCell();
    m.observe(progressBundle('scan', 5, undefined, 1), 'x');
    m.startCell();
    assert.deepEqual(written, ['\r  scan 5 (5/s) 1.0s\x1b[K', '\n']);
    advance(29_000);
    m.heartbeat();
    assert.equal(written.length, 2, 'quiet for less than 30 s: nothing');
    advance(2_000);
    m.heartbeat();
    assert.equal(written.at(-1), '  (still running: 31.0s)\n');
  });
});
