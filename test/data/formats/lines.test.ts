import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { countLines, readJsonl } from '@s3lab/toolkit';
import { z } from 'zod';

test('countLines counts what readJsonl reads: final newline or not, CRLF, empty file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 's3lab-lines-'));
  try {
    for (const [text, expected] of [['', 0], ['{}\n', 1], ['{}', 1], ['{}\r\n{}\r\n', 2], ['{}\n{}', 2], ['{}\n\n{}\n', 3]] as const) {
      const file = join(dir, 'f.jsonl');
      await writeFile(file, text);
      assert.equal(await countLines(file), expected, JSON.stringify(text));
      let read = 0;
      for await (const _ of readJsonl(file, z.object({}), { onError: () => read++ })) read++;
      assert.equal(read, expected, `readJsonl sees the same lines in ${JSON.stringify(text)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
