/**
 * Transcript parsing, the reward server's first step: the linear-time parser of
 * `extractSelectedDocs` (and the reward service's `<question>` lookup) against the regex parser it
 * replaced, the peer (test/agent/selected-docs-regex-reference.ts), on 100 KB and 1 MB inputs of
 * each pattern that made the regexes quadratic (test/agent/adversarial-transcripts.ts) and on a
 * realistic 8-3-3 transcript. Both parsers must agree wherever both run.
 * The peer's growth exponent k (time ∝ size^k) comes from its times at 12.5 to 100 KB; it runs
 * at a size only where its growth so far predicts at most 30 s, and is "skipped (> 30 s)" elsewhere.
 * Run: `npm run bench -- transcript-parse` (prints a table, writes bench/results/transcript-parse.json).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { extractSelectedDocs, formatTable, Random, type Row } from '@s3lab/toolkit';
import { ADVERSARIAL_PATTERNS, repetitionsFor } from '../test/agent/adversarial-transcripts.js';
import { regexExtractSelectedDocs } from '../test/agent/selected-docs-regex-reference.js';
import { fit } from './linear-fit.js';
import { best } from './timing.js';

const KB = 1024;
const SIZES = [100 * KB, 1024 * KB];
const PEER_PROBE_SIZES = [12.5 * KB, 25 * KB, 50 * KB, 100 * KB];
const PEER_LIMIT_S = 30;

/** The best of `repeats` runs of a synchronous parse, in seconds. */
async function secondsOf(parse: () => unknown, repeats: number): Promise<{ value: unknown; seconds: number }> {
  return best(repeats, () => Promise.resolve(parse()));
}

interface PeerTime {
  chars: number;
  seconds: number;
}

/**
 * The peer's growth: time ∝ chars^exponent, a least-squares line through its measurements on a
 * log-log scale (those of 1 ms or more, when there are two, since shorter ones are mostly noise).
 */
function growthOf(times: readonly PeerTime[]): { exponent: number; predictSeconds: (chars: number) => number } | undefined {
  const long = times.filter((t) => t.seconds >= 1e-3);
  const points = (long.length >= 2 ? long : times).map((t): [number, number] => [Math.log(t.chars), Math.log(t.seconds)]);
  if (points.length < 2) return undefined;
  const { a, b } = fit(points);
  return { exponent: b, predictSeconds: (chars) => Math.exp(a + Math.max(1, b) * Math.log(chars)) };
}

const rows: Row[] = [];
const patterns: { name: string; peer: PeerTime[]; peerExponent: number | null }[] = [];

for (const pattern of ADVERSARIAL_PATTERNS) {
  const warmUp = pattern.build(repetitionsFor(pattern, 2 * KB));
  for (let i = 0; i < 20; i++) {
    pattern.parse(warmUp);
    pattern.referenceParse(warmUp);
  }

  const peer: PeerTime[] = [];
  // The peer's time on `chars` characters, or undefined where its growth so far predicts more than the limit.
  const runPeer = async (chars: number): Promise<number | undefined> => {
    const predicted = growthOf(peer)?.predictSeconds(chars) ?? 0;
    if (predicted > PEER_LIMIT_S) return undefined;
    const text = pattern.build(repetitionsFor(pattern, chars));
    const { value, seconds } = await secondsOf(() => pattern.referenceParse(text), predicted < 0.2 ? 5 : 1);
    assert.deepEqual(pattern.parse(text), value, `${pattern.name}: the parsers disagree at ${chars} characters`);
    peer.push({ chars: text.length, seconds });
    return seconds;
  };
  for (const chars of PEER_PROBE_SIZES) if ((await runPeer(chars)) === undefined) break;
  const exponent = growthOf(peer)?.exponent ?? null;

  for (const chars of SIZES) {
    const text = pattern.build(repetitionsFor(pattern, chars));
    const parser = await secondsOf(() => pattern.parse(text), 5);
    const measured = peer.find((p) => p.chars === text.length)?.seconds ?? (await runPeer(chars));
    rows.push({
      input: pattern.name,
      chars: text.length,
      'parser ms': parser.seconds * 1000,
      'regex ms': measured === undefined ? `skipped (> ${PEER_LIMIT_S} s)` : measured * 1000,
      'regex predicted s': measured === undefined ? (growthOf(peer)?.predictSeconds(text.length) ?? null) : null,
      'speed-up': measured === undefined ? null : measured / parser.seconds,
      'regex growth k': exponent,
    });
  }
  patterns.push({ name: pattern.name, peer, peerExponent: exponent });
}

// A realistic transcript of the 8-3-3 preset: 8 initial results, 3 searches of 8, 3 kept from each.
const random = new Random(1, 'transcript-parse');
const words = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}`);
const passage = (): string => Array.from({ length: 100 }, () => random.pick(words)).join(' ');
const information = (): string =>
  `<information>${Array.from({ length: 8 }, (_, i) => `Doc ${i + 1}(Title: "${random.pick(words)} ${random.pick(words)}") ${passage()}`).join('\n')}</information>`;
let realistic = `\n<question>${passage().slice(0, 80)}?</question>\n${information()}\n`;
for (let turn = 0; turn < 3; turn++) {
  realistic += `<think>${passage().slice(0, 200)}</think>\n<query>{"query": "${passage().slice(0, 40)}"}</query>\n\n${information()}\n\n`
    + `<important_info>[${random.sample([1, 2, 3, 4, 5, 6, 7, 8], 3).join(', ')}]</important_info>\n<search_complete>${turn === 2 ? 'True' : 'False'}</search_complete>\n`;
}
const repeat = (parse: () => unknown, times: number) => (): unknown => {
  let value: unknown;
  for (let i = 0; i < times; i++) value = parse();
  return value;
};
const REALISTIC_RUNS = 200;
const parser = await secondsOf(repeat(() => extractSelectedDocs(realistic), REALISTIC_RUNS), 5);
const regex = await secondsOf(repeat(() => regexExtractSelectedDocs(realistic), REALISTIC_RUNS), 5);
assert.deepEqual(parser.value, regex.value);
rows.push({
  input: 'realistic 8-3-3',
  chars: realistic.length,
  'parser ms': (parser.seconds * 1000) / REALISTIC_RUNS,
  'regex ms': (regex.seconds * 1000) / REALISTIC_RUNS,
  'regex predicted s': null,
  'speed-up': regex.seconds / parser.seconds,
  'regex growth k': null,
});

console.log(formatTable(rows, { digits: 3 }));
console.log(
  `\nms: best of 5 (realistic: mean of ${REALISTIC_RUNS} runs, best of 5). regex growth k: time ∝ size^k fitted to the`
  + ` peer's times at 12.5–100 KB; "regex predicted s" extrapolates with it (k ≥ 1). Node ${process.version}, ${cpus().length} cores.`,
);
await mkdir(new URL('results/', import.meta.url), { recursive: true });
const out = new URL('results/transcript-parse.json', import.meta.url);
await writeFile(out, `${JSON.stringify({ node: process.version, cores: cpus().length, peerLimitSeconds: PEER_LIMIT_S, rows, patterns }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
