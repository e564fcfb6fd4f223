// Peer check against real pyarrow and pandas, through fixtures made on a machine that has them
// (test/fixtures/parquet/make_pyarrow_fixtures.py; pyarrow is not installable here).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readTrainingParquet, trainingRowSchema, writeTrainingParquet } from '@s3lab/toolkit';
import { sampleTrainingRows } from '../../fixtures/parquet/sample-rows.js';

const fixture = (name: string): URL => new URL(`../../fixtures/parquet/${name}`, import.meta.url);
const expected = sampleTrainingRows().map((row) => trainingRowSchema.parse(row));

describe('parquet against pyarrow and pandas', () => {
  test('our writer still produces the exact file pyarrow was given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-parquet-'));
    try {
      const path = join(dir, 'rows.parquet');
      await writeTrainingParquet(path, sampleTrainingRows(), { rowGroupSize: 16 });
      assert.ok((await readFile(path)).equals(await readFile(fixture('s3lab-written.parquet'))),
        'writer output changed: remake the pyarrow fixtures (make_pyarrow_fixtures.py) on a machine with pyarrow');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('pyarrow read every row of our file as written, with the s3 nested types', async () => {
    const seen = JSON.parse(await readFile(fixture('pyarrow-read.json'), 'utf8')) as { schema: string; num_rows: number; num_row_groups: number; rows: unknown[] };
    assert.equal(seen.num_rows, expected.length);
    assert.equal(seen.num_row_groups, 2);
    assert.match(seen.schema, /prompt: list<element: struct<role: string, content: string>>/u);
    assert.match(seen.schema, /extra_info: struct<split: string, index: int64>/u);
    assert.deepEqual(seen.rows, expected);
  });

  test('we read what pandas.to_parquet wrote', async () => {
    const rows = await readTrainingParquet(fileURLToPath(fixture('pandas-written.parquet'))).toArray();
    assert.deepEqual(rows, expected);
  });
});

