/**
 * Runs the Lucene peer (LuceneBm25.java beside this file) from TypeScript: compiles it with javac
 * against Debian's Lucene jars (once per source version, cached in the temp directory), then
 * analyzes a corpus or indexes it and answers queries. Used by the agreement test and the benchmark.
 *
 * @example
 * ```ts
 * const run = runLucene({ corpusPath: 'datasets/lab/corpus.jsonl', queries: ['Where was Maren Talvik born?'], k: 10 });
 * console.log(run.hits[0], run.timings.buildSeconds);
 * ```
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('LuceneBm25.java', import.meta.url));
const JAR_DIR = '/usr/share/java';
const JARS = ['lucene-core', 'lucene-analyzers-common', 'lucene-queryparser'];
export const LUCENE_PACKAGES = 'liblucene8-java openjdk-17-jdk-headless';

/** What Lucene measured in one run. */
export interface LuceneTimings {
  docs: number;
  buildSeconds: number;
  indexBytes: number;
  openSeconds: number;
  queries: number;
  singleSeconds: number;
  batchSeconds: number;
  threads: number;
  peakRssBytes: number;
}

export interface LuceneRun {
  /** Per query, the top k as [id, score]. */
  hits: [string, number][][];
  timings: LuceneTimings;
}

/** The jars of Debian's liblucene8-java, or an error that names the packages to install. */
export function luceneClasspath(): string {
  const missing = (what: string): Error =>
    new Error(`${what} not found: the Lucene peer needs the Debian packages ${LUCENE_PACKAGES} (apt-get install -y ${LUCENE_PACKAGES})`);
  const files = existsSync(JAR_DIR) ? readdirSync(JAR_DIR) : [];
  const jars = JARS.map((name) => {
    const versioned = files.filter((f) => new RegExp(`^${name}-\\d[\\d.]*\\.jar$`, 'u').test(f)).sort();
    const jar = versioned[versioned.length - 1] ?? (files.includes(`${name}.jar`) ? `${name}.jar` : undefined);
    if (jar === undefined) throw missing(`${JAR_DIR}/${name}*.jar`);
    return join(JAR_DIR, jar);
  });
  for (const tool of ['java', 'javac']) {
    if (spawnSync(tool, ['-version'], { encoding: 'utf8' }).error) throw missing(tool);
  }
  return jars.join(':');
}

/** Compiles the harness (cached by the hash of its source) and returns the classpath that runs it. */
export function compileHarness(): string {
  const jars = luceneClasspath();
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).update(jars).digest('hex').slice(0, 16);
  const classes = join(tmpdir(), `s3lab-lucene-harness-${hash}`);
  if (!existsSync(join(classes, 'LuceneBm25.class'))) {
    const staging = mkdtempSync(join(tmpdir(), 's3lab-lucene-build-'));
    const result = spawnSync('javac', ['-nowarn', '-d', staging, '-cp', jars, SOURCE], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`javac failed on ${SOURCE}:\n${result.stderr}`);
    mkdirSync(classes, { recursive: true });
    for (const file of readdirSync(staging)) renameSync(join(staging, file), join(classes, file));
    rmSync(staging, { recursive: true, force: true });
  }
  return `${classes}:${jars}`;
}

function java(args: string[], heap = '4g'): string {
  const result = spawnSync('java', [`-Xmx${heap}`, '-cp', compileHarness(), 'LuceneBm25', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`LuceneBm25 ${args[0]} failed (exit ${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** Lucene's analyzed terms of every passage of a corpus JSONL, in corpus order. */
export function luceneAnalyze(corpusPath: string): { id: string; terms: string[] }[] {
  const dir = mkdtempSync(join(tmpdir(), 's3lab-lucene-'));
  try {
    const out = join(dir, 'terms.jsonl');
    java(['analyze', corpusPath, out]);
    return readJsonLines(out) as { id: string; terms: string[] }[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LuceneRunOptions {
  corpusPath: string;
  queries: string[];
  k: number;
  /** Threads for the batched pass (default 1). */
  threads?: number;
  /** `bow`: Pyserini's bag of words (default); `classic`: Lucene's classic QueryParser, default operator OR. */
  mode?: 'bow' | 'classic';
  /** Keep the index here instead of a temporary directory. */
  indexDir?: string;
  heap?: string;
}

/** Indexes the corpus with Lucene and answers the queries (single-threaded, then batched on `threads`). */
export function runLucene(options: LuceneRunOptions): LuceneRun {
  const dir = mkdtempSync(join(tmpdir(), 's3lab-lucene-'));
  try {
    const queriesPath = join(dir, 'queries.jsonl');
    const out = join(dir, 'hits.jsonl');
    writeFileSync(queriesPath, options.queries.map((query) => `${JSON.stringify({ query })}\n`).join(''));
    const args = ['run', options.corpusPath, queriesPath, out, String(options.k), String(options.threads ?? 1), options.mode ?? 'bow'];
    if (options.indexDir) args.push(options.indexDir);
    const stdout = java(args, options.heap);
    const timings = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as LuceneTimings;
    const hits = readJsonLines(out).map((line) => (line as { hits: [string, number][] }).hits);
    return { hits, timings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readJsonLines(path: string): unknown[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown);
}
