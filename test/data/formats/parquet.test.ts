import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, type SchemaElement } from 'hyparquet';
import { ByteWriter, parquetWriteRows } from 'hyparquet-writer';
import { z } from 'zod';
import {
  DataFormatError,
  readParquet,
  readTrainingParquet,
  writeTrainingParquet,
  type DataProblem,
  type TrainingRow,
  type TrainingRowInput,
} from '@s3lab/toolkit';

type DuckConnection = Awaited<ReturnType<Awaited<ReturnType<typeof import('@duckdb/node-api').DuckDBInstance.create>>['connect']>>;

let dir: string;
let duck: DuckConnection;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3lab-parquet-'));
  const { DuckDBInstance } = await import('@duckdb/node-api');
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});
after(async () => {
  duck.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** Rows of a DuckDB query with BIGINT turned into numbers (DuckDB returns them as bigint). */
async function duckRows(sql: string): Promise<unknown[]> {
  const reader = await duck.runAndReadAll(sql);
  return JSON.parse(JSON.stringify(reader.getRowObjectsJS(), (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value))) as unknown[];
}

function row(index: number, overrides: Partial<TrainingRowInput> = {}): TrainingRow {
  return {
    data_source: index % 2 ? 'hotpotqa' : 'nq',
    prompt: [{ role: 'user', content: `You are a search copilot...\n<question>\nquestion ${index} — Zürich 東京?\n</question>\n` }],
    ability: 'fact-reasoning',
    reward_model: {
      style: 'rule',
      ground_truth: { question: `question ${index}?`, target: index % 3 === 0 ? [] : [`answer ${index}`, 'alias'], gt_docs: index % 2 ? ['12', '345'] : [] },
    },
    extra_info: { split: 'train', index },
    ...overrides,
  } as TrainingRow;
}

const ROWS: TrainingRow[] = [
  ...[0, 1, 2, 3, 4].map((i) => row(i)),
  row(5, {
    prompt: [
      { role: 'system', content: '' },
      { role: 'user', content: 'two messages, one empty' },
    ],
  }),
];

describe('training parquet', () => {
  it('round-trips rows through our writer and reader, one row group at a time', async () => {
    const path = join(dir, 'round.parquet');
    assert.equal(await writeTrainingParquet(path, ROWS, { rowGroupSize: 4 }), ROWS.length);
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    assert.deepEqual(
      metadata.row_groups.map((g) => Number(g.num_rows)),
      [4, 2],
    );
    const stream = readTrainingParquet(path);
    assert.deepEqual(await stream.toArray(), ROWS);
    assert.deepEqual(stream.stats, { file: path, records: ROWS.length, problems: 0 });
  });

  it('is read by DuckDB with the nested types and every value intact', async () => {
    const path = join(dir, 'peer.parquet');
    await writeTrainingParquet(path, ROWS, { rowGroupSize: 4 });
    const types = Object.fromEntries(
      ((await duckRows(`describe select * from read_parquet('${path}')`)) as { column_name: string; column_type: string }[]).map((c) => [c.column_name, c.column_type]),
    );
    assert.deepEqual(types, {
      data_source: 'VARCHAR',
      prompt: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
      ability: 'VARCHAR',
      reward_model: 'STRUCT(style VARCHAR, ground_truth STRUCT(question VARCHAR, "target" VARCHAR[], gt_docs VARCHAR[]))',
      extra_info: 'STRUCT(split VARCHAR, "index" BIGINT)',
    });
    assert.deepEqual(await duckRows(`select * from read_parquet('${path}')`), ROWS);
    // Spot-check nested access the way a SQL user would write it.
    assert.deepEqual(await duckRows(`select reward_model.ground_truth.target[1] as first, len(prompt) as turns from read_parquet('${path}') where extra_info.index = 5`), [
      { first: 'answer 5', turns: 2 },
    ]);
  });

  it('reads a file DuckDB writes (standard 3-level lists), dropping a pandas index column', async () => {
    const path = join(dir, 'duckdb.parquet');
    await duck.run(`copy (
      select * from (values
        ('nq', [{'role': 'user', 'content': 'héllo'}], 'fact-reasoning',
         {'style': 'rule', 'ground_truth': {'question': 'Q1?', 'target': ['a', 'b'], 'gt_docs': ['7']}},
         {'split': 'test', 'index': 10::bigint}, 'extra column', 100::bigint),
        ('musique', [{'role': 'user', 'content': 'two'}], 'fact-reasoning',
         {'style': 'rule', 'ground_truth': {'question': 'Q2?', 'target': []::varchar[], 'gt_docs': null}},
         {'split': 'test', 'index': 11::bigint}, null, 101::bigint)
      ) t(data_source, prompt, ability, reward_model, extra_info, golden_note, __index_level_0__)
    ) to '${path}' (format parquet)`);
    const rows = await readTrainingParquet(path).toArray();
    assert.deepEqual(rows, [
      {
        data_source: 'nq',
        prompt: [{ role: 'user', content: 'héllo' }],
        ability: 'fact-reasoning',
        reward_model: { style: 'rule', ground_truth: { question: 'Q1?', target: ['a', 'b'], gt_docs: ['7'] } },
        extra_info: { split: 'test', index: 10 },
        golden_note: 'extra column',
      },
      {
        data_source: 'musique',
        prompt: [{ role: 'user', content: 'two' }],
        ability: 'fact-reasoning',
        reward_model: { style: 'rule', ground_truth: { question: 'Q2?', target: [], gt_docs: [] } },
        extra_info: { split: 'test', index: 11 },
        golden_note: null,
      },
    ]);
  });

  it('reads the pyarrow/Hugging Face layout of the s3 training script', async () => {
    // What `datasets.map(...).to_parquet` leaves for s3's train script: the FlashRAG columns
    // kept beside the new ones, ground_truth without gt_docs, a pandas index column,
    // pyarrow's older `list<item>` naming and its `pandas` key-value metadata.
    const path = join(dir, 'pyarrow.parquet');
    const text = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
    const list = (name: string, element: SchemaElement[]): SchemaElement[] => [
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...element,
    ];
    const schema: SchemaElement[] = [
      { name: 'schema', num_children: 9 },
      text('id'),
      text('question'),
      ...list('golden_answers', [text('item')]),
      text('data_source'),
      ...list('prompt', [{ name: 'item', repetition_type: 'OPTIONAL', num_children: 2 }, text('content'), text('role')]),
      text('ability'),
      { name: 'reward_model', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'ground_truth', repetition_type: 'OPTIONAL', num_children: 2 },
      text('question'),
      ...list('target', [text('item')]),
      text('style'),
      { name: 'extra_info', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'index', type: 'INT64', converted_type: 'INT_64', repetition_type: 'OPTIONAL' },
      text('split'),
      { name: '__index_level_0__', type: 'INT64', repetition_type: 'OPTIONAL' },
    ];
    const rows = [0, 1].map((i) => ({
      id: `train_${i}`,
      question: `who is ${i}?`,
      golden_answers: [`p${i}`],
      data_source: 'nq',
      prompt: [{ content: `prompt ${i}`, role: 'user' }],
      ability: 'fact-reasoning',
      reward_model: { ground_truth: { question: `who is ${i}?`, target: [`p${i}`] }, style: 'rule' },
      extra_info: { index: BigInt(i), split: 'train' },
      __index_level_0__: BigInt(40 + i),
    }));
    const writer = new ByteWriter();
    await parquetWriteRows({
      writer,
      rows,
      columns: ['id', 'question', 'golden_answers', 'data_source', 'prompt', 'ability', 'reward_model', 'extra_info', '__index_level_0__'].map((name) => ({ name })),
      schema,
      kvMetadata: [{ key: 'pandas', value: '{"index_columns": ["__index_level_0__"]}' }],
      createdBy: 'parquet-cpp-arrow version 15.0.0',
    });
    await writeFile(path, writer.getBytes());
    assert.equal(((await duckRows(`select count(*)::int as n from read_parquet('${path}')`))[0] as { n: number }).n, 2);

    assert.deepEqual(await readTrainingParquet(path).toArray(), [
      {
        id: 'train_0',
        question: 'who is 0?',
        golden_answers: ['p0'],
        data_source: 'nq',
        prompt: [{ role: 'user', content: 'prompt 0' }],
        ability: 'fact-reasoning',
        reward_model: { style: 'rule', ground_truth: { question: 'who is 0?', target: ['p0'], gt_docs: [] } },
        extra_info: { split: 'train', index: 0 },
      },
      {
        id: 'train_1',
        question: 'who is 1?',
        golden_answers: ['p1'],
        data_source: 'nq',
        prompt: [{ role: 'user', content: 'prompt 1' }],
        ability: 'fact-reasoning',
        reward_model: { style: 'rule', ground_truth: { question: 'who is 1?', target: ['p1'], gt_docs: [] } },
        extra_info: { split: 'train', index: 1 },
      },
    ]);
  });

  it('reports a bad row with its 0-based row number and reason', async () => {
    const path = join(dir, 'bad-row.parquet');
    await duck.run(`copy (
      select 'nq' as data_source, [{'role': 'user', 'content': 'c'}] as prompt, 'fact-reasoning' as ability,
        {'style': 'rule', 'ground_truth': {'question': case when i = 2 then null else 'Q' || i end, 'target': ['a'], 'gt_docs': []::varchar[]}} as reward_model,
        {'split': 'train', 'index': i::bigint} as extra_info
      from range(4) r(i)
    ) to '${path}' (format parquet)`);
    await assert.rejects(readTrainingParquet(path).toArray(), (error: unknown) => {
      assert.ok(error instanceof DataFormatError);
      assert.equal(error.row, 2);
      assert.equal(error.line, undefined);
      assert.match(error.reason, /^reward_model\.ground_truth\.question: .*expected string/);
      assert.match(error.message, /bad-row\.parquet: row 2: reward_model/);
      return true;
    });
    const problems: DataProblem[] = [];
    const stream = readTrainingParquet(path, { onError: (p) => problems.push(p) });
    assert.deepEqual(
      (await stream.toArray()).map((r) => r.extra_info.index),
      [0, 1, 3],
    );
    assert.deepEqual(
      problems.map((p) => p.row),
      [2],
    );
    assert.deepEqual(stream.stats, { file: path, records: 3, problems: 1 });

    const noQuestion = join(dir, 'no-question.parquet');
    await duck.run(`copy (select 'nq' as data_source, [{'role': 'user', 'content': 'c'}] as prompt, 'x' as ability,
      {'style': 'rule', 'ground_truth': {'target': ['a']}} as reward_model, {'split': 'train', 'index': 0::bigint} as extra_info)
      to '${noQuestion}' (format parquet)`);
    await assert.rejects(readTrainingParquet(noQuestion).toArray(), { row: 0, reason: /^reward_model\.ground_truth\.question: / });
  });

  it('refuses a bad input row, leaving the previous file and no temporary file', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'));
    const path = join(sub, 'train.parquet');
    await writeTrainingParquet(path, ROWS.slice(0, 2));
    const broken = { ...row(1), reward_model: { style: 'rule', ground_truth: { target: ['a'] } } } as unknown as TrainingRowInput;
    await assert.rejects(writeTrainingParquet(path, [row(0), broken]), { name: 'DataFormatError', row: 1, reason: /question/ });
    async function* failing(): AsyncGenerator<TrainingRowInput> {
      yield row(0);
      throw new Error('source broke');
    }
    await assert.rejects(writeTrainingParquet(path, failing()), /source broke/);
    assert.deepEqual(await readTrainingParquet(path).toArray(), ROWS.slice(0, 2));
    assert.deepEqual(await readdir(sub), ['train.parquet']);
  });

  it('normalises the lenient input shapes on write (bare-string target, numeric doc ids, no gt_docs)', async () => {
    const path = join(dir, 'lenient.parquet');
    const input = {
      ...row(0),
      reward_model: { style: 'rule', ground_truth: { question: 'q?', target: 'only answer', gt_docs: [3, '4'] } },
    } as TrainingRowInput;
    const noDocs = { ...row(1), reward_model: { style: 'rule', ground_truth: { question: 'q2?', target: ['x'] } } } as TrainingRowInput;
    await writeTrainingParquet(path, [input, noDocs]);
    const rows = await readTrainingParquet(path).toArray();
    assert.deepEqual(rows[0]?.reward_model.ground_truth, { question: 'q?', target: ['only answer'], gt_docs: ['3', '4'] });
    assert.deepEqual(rows[1]?.reward_model.ground_truth, { question: 'q2?', target: ['x'], gt_docs: [] });
  });

  it('streams many row groups from an async source, and reads selected columns', async () => {
    const path = join(dir, 'many.parquet');
    async function* source(): AsyncGenerator<TrainingRow> {
      for (let i = 0; i < 25_000; i++) yield row(i);
    }
    assert.equal(await writeTrainingParquet(path, source(), { rowGroupSize: 5_000 }), 25_000);
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    assert.equal(metadata.row_groups.length, 5);
    let count = 0;
    let lastIndex = -1;
    for await (const r of readParquet(path, z.object({ extra_info: z.object({ index: z.number() }) }).strict(), { columns: ['extra_info'] })) {
      assert.equal(r.extra_info.index, lastIndex + 1);
      lastIndex = r.extra_info.index;
      count++;
    }
    assert.equal(count, 25_000);
    assert.deepEqual(await duckRows(`select count(*)::int as n, sum(extra_info.index)::double as s from read_parquet('${path}')`), [{ n: 25_000, s: (24_999 * 25_000) / 2 }]);
  });

  it('writes an empty file that both readers accept, and names the file when it is not parquet', async () => {
    const empty = join(dir, 'empty.parquet');
    assert.equal(await writeTrainingParquet(empty, []), 0);
    assert.deepEqual(await readTrainingParquet(empty).toArray(), []);
    assert.deepEqual(await duckRows(`select count(*)::int as n from read_parquet('${empty}')`), [{ n: 0 }]);

    const notParquet = join(dir, 'not.parquet');
    await writeFile(notParquet, '{"id": 1}\n');
    await assert.rejects(readTrainingParquet(notParquet).toArray(), /not\.parquet: not a readable parquet file/);
  });
});
