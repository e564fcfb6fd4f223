/**
 * The lab world's dense index, shipped prebuilt (`LAB_PATHS.denseIndex`): the lab corpus encoded
 * by the lab encoder (`passage: ` + contents, 256 tokens), in a FAISS Flat index. Encoding the
 * 19,720 passages takes 30 s on two free cores and minutes on a busy machine — most of what
 * `npm start` would spend — while opening the shipped index takes a fraction of a second.
 *
 * It stays reproducible. `buildLabDenseIndex` is how it is made (`s3lab index lab-dense`), and
 * writes `source.json` beside it: the SHA-256 of the corpus and encoder files it was made from
 * and of the index file. `checkLabDenseIndex` compares those with the files on disk and encodes
 * a sample of passages again, so a changed corpus or a retrained encoder is caught rather than
 * searched with stale vectors. ONNX Runtime's sums differ in their last bits between CPUs and
 * batch shapes, so a rebuild elsewhere gives vectors equal to about 1e-6, not the same bytes:
 * the sample is compared within {@link LAB_DENSE_TOLERANCE}, and the index file's hash only says
 * that the file is the one that was built.
 *
 * @example
 * ```ts
 * import { checkLabDenseIndex, LAB_PATHS, openVectorIndex } from '@s3lab/toolkit';
 * const check = await checkLabDenseIndex(LAB_PATHS.denseIndex);
 * if (check.problems.length === 0) console.log((await openVectorIndex(LAB_PATHS.denseIndex)).size); // 19720
 * ```
 */
import { access, open, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { env as onnxEnvironment } from 'onnxruntime-node';
import { z } from 'zod';
import { LAB_PATHS } from '../config/index.js';
import { sha256File } from '../core/file-hash.js';
import { readJsonFile } from '../core/json-file.js';
import { countLines } from '../core/lines.js';
import { readCorpus, type CorpusDocument } from '../data/formats/corpus.js';
import { DEFAULT_MAX_LENGTH, loadEncoder, type Encoder } from '../models/encoder/index.js';
import { E5_PASSAGE_PREFIX, E5_QUERY_PREFIX } from '../models/e5.js';
import { buildDenseIndex } from '../retrieval/dense/build.js';
import { PARTIAL_DIR } from '../retrieval/dense/checkpoint.js';
import { encodePassages } from '../retrieval/dense/encode.js';
import { readFlatLayout, readFlatRows } from '../retrieval/dense/flat-file.js';
import { readIds } from '../retrieval/dense/ids-file.js';
import { configDifferences, IDS_FILE, INDEX_FILE, MANIFEST_FILE, readManifest, type DenseConfig } from '../retrieval/dense/manifest.js';
import { RETRIEVER_FILE, writeRetrieverDescription } from '../retrieval/open-index.js';

/** What an index directory records about the files it was made from. */
export const SOURCE_FILE = 'source.json';

/**
 * The largest difference of one vector component between a stored vector and the same passage
 * encoded again that still counts as equal: far above ONNX Runtime's float noise (about 1e-6),
 * far below what any change of the corpus or the encoder gives (0.01 and more).
 */
export const LAB_DENSE_TOLERANCE = 1e-4;

/** The encoder files whose bytes decide the vectors (those of them the directory has). */
const ENCODER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx'];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/u);
const sourceSchema = z.object({
  format: z.literal('s3lab-dense-index-source'),
  version: z.literal(1),
  /** The command that rebuilds the index. */
  command: z.string(),
  /** Paths are relative to the index directory, so the record moves with the repository. */
  corpus: z.object({ path: z.string().min(1), sha256, passages: z.number().int().min(0) }),
  encoder: z.object({ path: z.string().min(1), files: z.record(z.string(), sha256) }),
  passagePrefix: z.string(),
  maxLength: z.number().int().positive(),
  /** The ONNX Runtime that encoded (the vectors' last bits depend on it and on the CPU). */
  onnxruntime: z.string(),
  index: z.object({ file: z.literal(INDEX_FILE), sha256 }),
});
export type LabDenseIndexSource = z.output<typeof sourceSchema>;

/** Options of {@link buildLabDenseIndex}. */
export interface BuildLabDenseIndexOptions {
  /** Where the index goes (default `LAB_PATHS.denseIndex`); a finished index there is replaced. */
  out?: string;
  /** The lab world whose `corpus.jsonl` is encoded (default `LAB_PATHS.world`). */
  world?: string;
  /** The encoder directory (default `LAB_PATHS.encoder`); the index records its name. */
  encoder?: string;
  /** Passages encoded so far, after every committed batch. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Encodes the lab corpus into a Flat index in `out`, then writes `retriever.json` (so that
 * `s3lab serve retriever --index` opens it) and `source.json`. Resumable like `buildDenseIndex`:
 * run it again after an interruption and it continues.
 *
 * @example
 * ```ts
 * const built = await buildLabDenseIndex({ out: '/tmp/lab-e5-small', onProgress: (done, total) => console.log(done, total) });
 * ```
 */
export async function buildLabDenseIndex(options: BuildLabDenseIndexOptions = {}): Promise<{ directory: string; size: number; seconds: number }> {
  const started = performance.now();
  const out = options.out ?? LAB_PATHS.denseIndex;
  const world = options.world ?? LAB_PATHS.world;
  const encoderDir = options.encoder ?? LAB_PATHS.encoder;
  const corpusPath = join(world, 'corpus.jsonl');
  // A finished index is replaced, not reopened; an unfinished build (no manifest) is resumed.
  if (await exists(join(out, MANIFEST_FILE))) {
    for (const file of [MANIFEST_FILE, SOURCE_FILE, RETRIEVER_FILE, INDEX_FILE, IDS_FILE, PARTIAL_DIR]) await rm(join(out, file), { recursive: true, force: true });
  }
  const encoder = await loadEncoder(encoderDir, { maxLength: DEFAULT_MAX_LENGTH });
  let size: number;
  try {
    const total = await countLines(corpusPath);
    const source = encodePassages(readCorpus(corpusPath), (texts) => encoder.encode(texts), { dimension: encoder.dimension, batchSize: 256, prefix: E5_PASSAGE_PREFIX });
    ({ size } = await buildDenseIndex(source, {
      directory: out, dimension: encoder.dimension, encoder: basename(resolve(encoderDir)), total, open: false,
      onProgress: (p) => options.onProgress?.(p.done, total),
    }));
  } finally {
    await encoder.dispose();
  }
  const fromIndex = (path: string): string => relative(resolve(out), resolve(path)).split(sep).join('/');
  await writeRetrieverDescription(out, {
    kind: 'dense', corpus: fromIndex(corpusPath), encoder: fromIndex(encoderDir),
    queryPrefix: E5_QUERY_PREFIX, passagePrefix: E5_PASSAGE_PREFIX, maxLength: DEFAULT_MAX_LENGTH,
  });
  const record: LabDenseIndexSource = {
    format: 's3lab-dense-index-source',
    version: 1,
    command: `s3lab index lab-dense --world ${world} --encoder ${encoderDir} --out ${out}`,
    corpus: { path: fromIndex(corpusPath), sha256: await sha256File(corpusPath), passages: size },
    encoder: { path: fromIndex(encoderDir), files: await hashEncoderFiles(encoderDir) },
    passagePrefix: E5_PASSAGE_PREFIX,
    maxLength: DEFAULT_MAX_LENGTH,
    onnxruntime: onnxEnvironment.versions.node ?? onnxEnvironment.versions.common,
    index: { file: INDEX_FILE, sha256: await sha256File(join(out, INDEX_FILE)) },
  };
  // Written last: an index with a source.json is complete.
  await writeFile(join(out, SOURCE_FILE), `${JSON.stringify(sourceSchema.parse(record), null, 2)}\n`);
  return { directory: out, size, seconds: (performance.now() - started) / 1000 };
}

/** What {@link checkLabDenseIndex} found. */
export interface LabDenseIndexCheck {
  /** Why the index cannot be used as the lab world's dense index; empty when it can. */
  problems: string[];
  /** Rows in the index (0 when it has no manifest). */
  size: number;
  /** Passages encoded again and compared with their stored vectors. */
  sampled: number;
  /** The largest difference of one component between a stored and a re-encoded vector (0 when none was sampled). */
  maxDifference: number;
}

/** Options of {@link checkLabDenseIndex}. */
export interface CheckLabDenseIndexOptions {
  /** Passages to encode again, spread evenly over the corpus (default 16; 0 checks the records only). */
  sample?: number;
  /** The passages the index will be searched with (default: the corpus `source.json` names). */
  passages?: readonly CorpusDocument[];
  /** The encoder queries will be encoded with (default: the one `source.json` names, loaded and disposed here). */
  encoder?: Encoder;
}

/**
 * Checks the dense index in `dir` against what it claims to be: a finished Flat index of the
 * lab encoder's vectors, made from the very corpus and encoder files that are there now (the
 * hashes in `source.json`), with one row per passage of `passages` under the same ids, and a
 * sample of those passages encoded again by `encoder` equal to their stored vectors.
 *
 * @example
 * ```ts
 * const { problems, sampled, maxDifference } = await checkLabDenseIndex('datasets/indexes/lab-e5-small', { sample: 64 });
 * ```
 */
export async function checkLabDenseIndex(dir: string = LAB_PATHS.denseIndex, options: CheckLabDenseIndexOptions = {}): Promise<LabDenseIndexCheck> {
  const check: LabDenseIndexCheck = { problems: [], size: 0, sampled: 0, maxDifference: 0 };
  const manifest = await readManifest(dir);
  if (!manifest) return { ...check, problems: [`${dir} holds no finished dense index (no ${MANIFEST_FILE})`] };
  check.size = manifest.count;
  const source = await readJsonFile(join(dir, SOURCE_FILE), sourceSchema);
  if (!source) return { ...check, problems: [`${dir} has no ${SOURCE_FILE} (what it was built from)`] };
  const corpusPath = resolve(dir, source.corpus.path);
  const encoderDir = resolve(dir, source.encoder.path);

  const changed = (what: string, path: string, recorded: string | undefined) => async () => {
    if (!(await exists(path))) return `${what} (${path}) is missing`;
    return (await sha256File(path)) === recorded ? undefined : `${what} (${path}) is not the one the index was built from (its SHA-256 differs from ${SOURCE_FILE}'s)`;
  };
  const hashChecks = [
    changed('the index file', join(dir, INDEX_FILE), source.index.sha256),
    changed('the corpus', corpusPath, source.corpus.sha256),
    ...ENCODER_FILES.filter((file) => file in source.encoder.files).map((file) => changed(`the encoder's ${file}`, join(encoderDir, file), source.encoder.files[file])),
  ];
  for (const problem of await Promise.all(hashChecks.map((run) => run()))) if (problem) check.problems.push(problem);

  const passages = options.passages ?? (await readCorpus(corpusPath).toArray());
  if (passages.length !== manifest.count) {
    check.problems.push(`the index has ${manifest.count} rows for ${passages.length} passages`);
    return check;
  }
  const ids = manifest.idsAreRows ? undefined : await readIds(join(dir, IDS_FILE), manifest.count);
  const wrongId = passages.findIndex((p, row) => p.id !== (ids ? ids[row] : String(row)));
  if (wrongId >= 0) check.problems.push(`row ${wrongId} of the index is passage ${JSON.stringify(ids ? ids[wrongId] : String(wrongId))}, not ${JSON.stringify(passages[wrongId]!.id)}`);

  const encoder = options.encoder ?? (await loadEncoder(encoderDir, { maxLength: source.maxLength }));
  try {
    const expected: DenseConfig = { dimension: encoder.dimension, metric: 'inner_product', factory: 'Flat', encoder: basename(encoderDir) };
    const differences = configDifferences(manifest, expected);
    if (differences.length > 0) {
      check.problems.push(`the index is not a Flat inner-product index of ${expected.encoder}'s vectors (${differences.join('; ')})`);
      return check;
    }
    const sample = Math.min(options.sample ?? 16, manifest.count);
    const rows = Array.from({ length: sample }, (_, i) => Math.floor(((i + 0.5) * manifest.count) / sample));
    const stored = await readRows(join(dir, INDEX_FILE), rows);
    const fresh = await encoder.encode(rows.map((row) => source.passagePrefix + passages[row]!.contents));
    rows.forEach((_, i) => {
      for (let c = 0; c < encoder.dimension; c++) check.maxDifference = Math.max(check.maxDifference, Math.abs(stored[i]![c]! - fresh[i]![c]!));
    });
    check.sampled = sample;
    if (check.maxDifference > LAB_DENSE_TOLERANCE) {
      check.problems.push(`${sample} passages encoded again differ from their stored vectors by up to ${check.maxDifference.toPrecision(3)} (more than ${LAB_DENSE_TOLERANCE}): the vectors are not this encoder's`);
    }
  } finally {
    if (!options.encoder) await encoder.dispose();
  }
  return check;
}

/** The stored vectors of `rows` in a Flat index file. */
async function readRows(path: string, rows: readonly number[]): Promise<Float32Array[]> {
  const layout = await readFlatLayout(path);
  const handle = await open(path, 'r');
  try {
    const out: Float32Array[] = [];
    for (const row of rows) out.push(await readFlatRows(handle, layout, row, 1));
    return out;
  } finally {
    await handle.close();
  }
}

async function hashEncoderFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const file of ENCODER_FILES) if (await exists(join(dir, file))) files[file] = await sha256File(join(dir, file));
  return files;
}

function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
