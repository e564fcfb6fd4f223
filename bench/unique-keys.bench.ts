/**
 * The repeated-id check every corpus and QA read runs (`UniqueKeys`), against its peer, a `Set` of
 * the id strings: time per id and the heap each holds, for wiki-18-like decimal ids (the bitset)
 * and for string ids (the 64-bit hash table). Each structure is measured in its own process so
 * that one's garbage does not count against the other. Prints a table and writes
 * bench/results/unique-keys.json.
 *
 * Run: `node --conditions=s3lab-source --import tsx bench/unique-keys.bench.ts` (`UNIQUE_KEYS_IDS=21015324`
 * for wiki-18's count; the default, 5M, takes seconds).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { formatTable, UniqueKeys, type Row } from '@s3lab/toolkit';

const IDS = Number(process.env.UNIQUE_KEYS_IDS ?? 5_000_000);
const KINDS = ['decimal', 'string'] as const;
const STRUCTURES = ['UniqueKeys', 'Set'] as const;

interface Measured { structure: string; ids: string; count: number; nsPerId: number; heapMiB: number }

const idOf = (kind: (typeof KINDS)[number], i: number): string => (kind === 'decimal' ? String(i + 1) : `wiki-${i.toString(36)}`);

if (process.argv[2] === '--child') {
  const [structure, kind] = process.argv.slice(3) as [(typeof STRUCTURES)[number], (typeof KINDS)[number]];
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const started = process.hrtime.bigint();
  let repeats = 0;
  if (structure === 'UniqueKeys') {
    const keys = new UniqueKeys();
    for (let i = 0; i < IDS; i++) if (keys.add(idOf(kind, i)) !== 'new') repeats++;
    globalThis.gc?.();
    report(keys);
  } else {
    const keys = new Set<string>();
    for (let i = 0; i < IDS; i++) {
      const id = idOf(kind, i);
      if (keys.has(id)) repeats++;
      keys.add(id);
    }
    globalThis.gc?.();
    report(keys);
  }
  function report(held: unknown): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const heap = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore;
    if (repeats !== 0 || held === undefined) throw new Error(`${repeats} false repeats`);
    process.stdout.write(`${JSON.stringify({ structure, ids: kind, count: IDS, nsPerId: (seconds * 1e9) / IDS, heapMiB: heap / 2 ** 20 })}\n`);
  }
  process.exit(0);
}

const measured: Measured[] = [];
for (const kind of KINDS) {
  for (const structure of STRUCTURES) {
    const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--conditions=s3lab-source', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', structure, kind], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${structure} ${kind}: ${child.stderr}`);
    measured.push(JSON.parse(child.stdout) as Measured);
  }
}
const rows: Row[] = measured.map((m) => ({ structure: m.structure, ids: m.ids, count: m.count, 'ns/id': m.nsPerId.toFixed(0), 'heap MiB': m.heapMiB.toFixed(1) }));
process.stdout.write(`${formatTable(rows)}\n`);
const results = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(results, { recursive: true });
await writeFile(`${results}unique-keys.json`, `${JSON.stringify({ ids: IDS, measured }, null, 2)}\n`);
process.stdout.write('wrote bench/results/unique-keys.json\n');
