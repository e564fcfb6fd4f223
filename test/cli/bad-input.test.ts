/**
 * Every bad input is one line and exit 2 (s3lab issue 24): a table of bad invocations, each run
 * in process through `main(argv)` with stderr captured, each asserting exit 2, exactly one line
 * on stderr, no stack frame, and the input named. Only what cannot run in process here (as
 * another user: a read-only directory, a privileged port, when the tests run as root) is spawned.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkOutputPath, InputError } from '@s3lab/toolkit';
import { main } from '../../toolkit/src/cli/main.js';
import { reportError, STACK_TRACE_HINT } from '../../toolkit/src/cli/report-error.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const LAB = join(root, 'datasets/lab');
const ENCODER = join(root, 'datasets/models/lab-e5-small');
const GENERATOR = join(root, 'datasets/models/lab-generator');
const TINY_CHAT = join(root, 'test/fixtures/lm/tiny-chat');
const isRoot = process.getuid?.() === 0;
// `nobody`: root ignores file permissions and binds any port, so those cases run as another user.
const NOBODY = 65534;
// Running the CLI as `nobody` needs a checkout it can read: a clone under a private directory
// (`mktemp -d` makes them 0700) cannot run as another user, so those cases are skipped there.
const nobodyReadsCheckout = isRoot && spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(root, 'node_modules/tsx/package.json'))})`], { uid: NOBODY, gid: NOBODY }).status === 0;
const asNobodySkip = isRoot && !nobodyReadsCheckout && 'running as root in a checkout that nobody (the other user these cases need) cannot read';

interface Run { code: number; stderr: string; stdout: string }

interface Capture { out: string[]; err: string[]; stdout?: (chunk: string) => void }
// Writes made by `main` (its async context) are captured; the test runner's own writes to stdout
// (its report, from other contexts) pass through untouched.
const capturing = new AsyncLocalStorage<Capture>();
const writeOut = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  const capture = capturing.getStore();
  if (!capture) return writeOut(chunk, ...rest);
  capture.stdout?.(String(chunk));
  capture.out.push(String(chunk));
  return true;
}) as typeof process.stdout.write;
process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  const capture = capturing.getStore();
  if (!capture) return writeErr(chunk, ...rest);
  capture.err.push(String(chunk));
  return true;
}) as typeof process.stderr.write;

/** `main(argv)` in this process, its stdout and stderr captured. */
async function runMain(argv: string[], options: { stdout?: (chunk: string) => void } = {}): Promise<Run> {
  const capture: Capture = { out: [], err: [], ...options };
  const code = await capturing.run(capture, () => main(argv));
  return { code, stderr: capture.err.join(''), stdout: capture.out.join('') };
}

/** The CLI in a child process run as `nobody` (for what root would be allowed to do). */
function runAsNobody(argv: string[]): Run {
  // A home it can write, or ONNX Runtime warns on stderr that it cannot keep its telemetry id.
  const env = { ...process.env, HOME: join(dir, 'nobody-home') };
  const child = spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(root, 'toolkit/src/cli/run.ts'), ...argv], { cwd: root, encoding: 'utf8', uid: NOBODY, gid: NOBODY, env, timeout: 60_000 });
  return { code: child.status ?? -1, stderr: child.stderr, stdout: child.stdout };
}

function assertOneLine(run: Run, named: string | RegExp, what: string): void {
  assert.equal(run.code, 2, `${what}: exit ${run.code}\n${run.stderr}`);
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `${what}: one line on stderr, got:\n${run.stderr}`);
  assert.ok(run.stderr.endsWith('\n'), `${what}: the line ends`);
  assert.doesNotMatch(run.stderr, /^ {4}at /mu, `${what}: no stack frame`);
  assert.match(lines[0]!, /^s3lab: /u, what);
  if (typeof named === 'string') assert.ok(lines[0]!.includes(named), `${what}: names ${named}: ${lines[0]}`);
  else assert.match(lines[0]!, named, what);
}

/** A port nothing listens on (bound, then closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let dir: string;
let held: Server;
let heldPort: number;
const paths: Record<string, string> = {};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3lab-bad-input-'));
  // Others may enter it: the cases run as nobody look inside.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'nobody-home'), { mode: 0o777 });
  await chmod(join(dir, 'nobody-home'), 0o777);
  const at = (name: string): string => (paths[name] = join(dir, name));
  const link = (from: string, to: string): Promise<void> => symlink(from, to);

  // Encoder directories, each wrong in one way (the big model.onnx is linked, not copied).
  await writeFile(at('a-file'), 'not a directory\n');
  for (const name of ['enc-no-config', 'enc-no-tokenizer', 'enc-no-onnx', 'enc-truncated', 'enc-garbage', 'enc-bad-config']) await mkdir(at(name));
  const encoderFile = (file: string) => join(ENCODER, file);
  await link(encoderFile('tokenizer.json'), join(paths['enc-no-config']!, 'tokenizer.json'));
  await link(encoderFile('model.onnx'), join(paths['enc-no-config']!, 'model.onnx'));
  await link(encoderFile('config.json'), join(paths['enc-no-tokenizer']!, 'config.json'));
  await link(encoderFile('model.onnx'), join(paths['enc-no-tokenizer']!, 'model.onnx'));
  for (const name of ['enc-no-onnx', 'enc-truncated', 'enc-garbage']) {
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await link(encoderFile(file), join(paths[name]!, file));
  }
  await writeFile(join(paths['enc-truncated']!, 'model.onnx'), (await readFile(encoderFile('model.onnx'))).subarray(0, 10_000));
  await writeFile(join(paths['enc-garbage']!, 'model.onnx'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
  await link(encoderFile('tokenizer.json'), join(paths['enc-bad-config']!, 'tokenizer.json'));
  await link(encoderFile('model.onnx'), join(paths['enc-bad-config']!, 'model.onnx'));
  await writeFile(join(paths['enc-bad-config']!, 'config.json'), '{"hidden_size": "x"');

  // Generator directories: empty, and with weights cut short.
  await mkdir(at('gen-empty'));
  await mkdir(at('gen-truncated'));
  for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(GENERATOR, file), join(paths['gen-truncated']!, file));
  await writeFile(join(paths['gen-truncated']!, 'model.safetensors'), (await readFile(join(GENERATOR, 'model.safetensors'))).subarray(0, 100_000));

  // Data files.
  const qa = (await readFile(join(LAB, 'test.jsonl'), 'utf8')).split('\n').slice(0, 3);
  const corpus = (await readFile(join(LAB, 'corpus.jsonl'), 'utf8')).split('\n').slice(0, 3);
  await writeFile(at('qa.jsonl'), `${qa.join('\n')}\n`);
  await writeFile(at('qa-duplicated.jsonl'), `${[...qa, qa[0]].join('\n')}\n`);
  await writeFile(at('qa-no-answers.jsonl'), `${qa[0]!.replace(/"golden_answers":\[[^\]]*\]/u, '"golden_answers":[]')}\n`);
  await writeFile(at('empty.jsonl'), '');
  await writeFile(at('corpus-duplicated.jsonl'), `${[...corpus, corpus[1]].join('\n')}\n`);
  await writeFile(at('empty.txt'), '\n  \n');
  await symlink('/proc', at('proc-link'));

  // A port taken, for the servers.
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  heldPort = (held.address() as { port: number }).port;
});

after(async () => {
  await new Promise<void>((resolve) => held.close(() => resolve()));
  await chmod(join(dir, 'read-only'), 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('bad input: one line, exit 2', () => {
  const out = (name: string): string => join(dir, 'out', name);
  const p = (name: string): string => paths[name]!;
  const denseWith = (encoder: string): string[] => ['index', 'dense', '--corpus', join(LAB, 'corpus.jsonl'), '--encoder', encoder, '--out', out(`dense-${encoder.split('/').pop()}`)];
  const evalWith = (extra: string[], data = p('qa.jsonl')): string[] => ['eval', '--methods', 'no-retrieval', '--data', data, '--judge', 'none', '--out', out('eval'), ...extra];

  // [what, argv (a function: fixtures exist only once `before` ran), what the line must name]
  const table: [string, () => string[] | Promise<string[]>, string | RegExp][] = [
    // Encoder directories (index dense --encoder).
    ['encoder: missing directory', () => denseWith(join(dir, 'no-such-encoder')), /--encoder .*no-such-encoder.* does not exist; expected a model directory/u],
    ['encoder: a file, not a directory', () => denseWith(p('a-file')), /--encoder .*a-file.* is a file, not a directory/u],
    ['encoder: no config.json', () => denseWith(p('enc-no-config')), /enc-no-config has no config\.json/u],
    ['encoder: no tokenizer.json', () => denseWith(p('enc-no-tokenizer')), /enc-no-tokenizer has no tokenizer\.json/u],
    ['encoder: no model.onnx', () => denseWith(p('enc-no-onnx')), /enc-no-onnx has neither model\.onnx .* nor model\.safetensors/u],
    ['encoder: truncated model.onnx', () => denseWith(p('enc-truncated')), /enc-truncated\/model\.onnx/u],
    ['encoder: garbage model.onnx', () => denseWith(p('enc-garbage')), /enc-garbage\/model\.onnx/u],
    ['encoder: bad config.json', () => denseWith(p('enc-bad-config')), /enc-bad-config\/config\.json is not valid JSON/u],
    // The generator (eval --generator).
    ['generator: not a directory', () => evalWith(['--generator', join(dir, 'no-such-generator')]), /--generator .*no-such-generator/u],
    ['generator: empty directory', () => evalWith(['--generator', p('gen-empty')]), /--generator .*gen-empty.*tokenizer\.json/u],
    ['generator: truncated safetensors', () => evalWith(['--generator', p('gen-truncated')]), /--generator .*gen-truncated.*model\.safetensors.*truncated/u],
    ['generator: unreachable URL', async () => evalWith(['--generator', `http://127.0.0.1:${await freePort()}/v1`, '--model', 'x']), /--generator http:\/\/127\.0\.0\.1:\d+\/v1: no server answers there/u],
    // QA files.
    ['QA: duplicated ids', () => evalWith(['--generator', GENERATOR], p('qa-duplicated.jsonl')), /qa-duplicated\.jsonl:4: id: "test_0" repeats the id of line 1/u],
    ['QA: empty file', () => evalWith(['--generator', GENERATOR], p('empty.jsonl')), /empty\.jsonl is empty: expected QA records/u],
    ['QA: empty golden_answers', () => evalWith(['--generator', GENERATOR], p('qa-no-answers.jsonl')), /qa-no-answers\.jsonl:1: golden_answers: expected at least one/u],
    // Corpora.
    ['corpus: empty (bm25)', () => ['index', 'bm25', '--corpus', p('empty.jsonl'), '--out', out('bm25-empty')], /empty\.jsonl is empty: expected corpus passages/u],
    ['corpus: empty (dense)', () => ['index', 'dense', '--corpus', p('empty.jsonl'), '--encoder', ENCODER, '--out', out('dense-empty')], /empty\.jsonl is empty: expected corpus passages/u],
    ['corpus: duplicated ids (bm25)', () => ['index', 'bm25', '--corpus', p('corpus-duplicated.jsonl'), '--out', out('bm25-dup')], /corpus-duplicated\.jsonl:4: id: "1" repeats the id of line 2/u],
    ['tokenizer: empty corpus', () => ['tokenizer', 'train', '--corpus', p('empty.jsonl'), '--out', out('tokenizer')], /empty\.jsonl is empty/u],
    ['tokenizer: empty text file', () => ['tokenizer', 'train', '--corpus', p('empty.txt'), '--out', out('tokenizer')], /empty\.txt is empty: expected text/u],
    // train --warm-start.
    ['train: missing warm start', () => ['train', '--preset', 'lab', '--out', out('train'), '--warm-start', join(dir, 'no-such-searcher')], /warm start .*no-such-searcher: no model\.safetensors/u],
    // Servers that cannot bind.
    ['serve llm: port in use', () => ['serve', 'llm', '--model', TINY_CHAT, '--port', String(heldPort)], /cannot listen on 127\.0\.0\.1:\d+: the port is in use .*EADDRINUSE/u],
    ['serve llm: address not on this machine', () => ['serve', 'llm', '--model', TINY_CHAT, '--host', '192.0.2.1', '--port', '0'], /cannot listen on 192\.0\.2\.1:0: .*EADDRNOTAVAIL/u],
    // Output places.
    ['--out under /proc (bm25)', () => ['index', 'bm25', '--corpus', join(LAB, 'corpus.jsonl'), '--out', '/proc/s3lab-bad-input'], /--out \/proc\/s3lab-bad-input: \/proc is a kernel file system/u],
    ['--out under /proc (eval)', () => evalWith(['--generator', GENERATOR]).map((a) => (a === out('eval') ? '/proc/self/s3lab' : a)), /--out \/proc\/self\/s3lab: /u],
    ['--out under /sys', () => ['index', 'bm25', '--corpus', join(LAB, 'corpus.jsonl'), '--out', '/sys/s3lab'], /--out \/sys\/s3lab: /u],
    ['--out under /dev', () => ['tokenizer', 'train', '--corpus', join(LAB, 'corpus.jsonl'), '--out', '/dev/s3lab'], /--out \/dev\/s3lab: /u],
    ['--out through a symbolic link into /proc', () => ['index', 'bm25', '--corpus', join(LAB, 'corpus.jsonl'), '--out', join(p('proc-link'), 's3lab')], /--out .*proc-link\/s3lab: \/proc is a kernel file system/u],
    ['--out under a file', () => ['index', 'bm25', '--corpus', join(LAB, 'corpus.jsonl'), '--out', join(p('a-file'), 'index')], /--out .*a-file\/index: .*a-file is a file/u],
    ['--out is a file', () => ['index', 'bm25', '--corpus', join(LAB, 'corpus.jsonl'), '--out', p('a-file')], /--out .*a-file: is a file; expected a directory/u],
    ['--json is a directory', () => ['lab-stats', LAB, '--json', dir], /--json .*: is a directory; expected a file path/u],
    ['--out file is a directory (rag-cache)', () => ['rag-cache', '--data', p('qa.jsonl'), '--data-source', 'lab', '--retriever', join(LAB, 'corpus.jsonl'), '--generator', GENERATOR, '--out', dir], /--out .*: is a directory; expected a file path/u],
    ['--cache under /proc', () => evalWith(['--generator', GENERATOR, '--cache', '/proc/s3lab-cache']), /--cache \/proc\/s3lab-cache: /u],
    // Commander's usage errors.
    ['unknown option', () => ['index', 'bm25', '--corpus', 'c.jsonl', '--out', out('x'), '--bogus'], /unknown option '--bogus'/u],
    ['option argument missing', () => ['index', 'bm25', '--corpus'], /option '--corpus <file>' argument missing/u],
    ['required option missing', () => ['index', 'bm25', '--out', out('x')], /required option '--corpus <file>' not specified/u],
    ['unknown command', () => ['no-such-command'], /unknown command 'no-such-command'/u],
    ['bad option value', () => ['index', 'bm25', '--corpus', 'c.jsonl', '--out', out('x'), '--k1', 'abc'], /--k1/u],
    ['kernel start: a connection file that is not JSON', () => ['kernel', 'start', p('a-file')], /connection file .*a-file is not JSON/u],
    ['kernel start: a JSON file that is no connection file', () => ['kernel', 'start', join(LAB, 'manifest.json')], /connection file .*manifest\.json: transport: /u],
    ['a lab world too small to draw', () => ['lab-world', '--seed', '1', '--scale', '0.001', '--out', out('tiny-world')], /--scale: .*>=0\.01/u],
  ];

  for (const [what, argv, named] of table) {
    test(what, { timeout: 120_000 }, async () => assertOneLine(await runMain(await argv()), named, what));
  }

  test('a read-only --out directory is refused up front, as "cannot write", never "cannot read"', { timeout: 120_000, skip: asNobodySkip }, async () => {
    const readOnly = join(dir, 'read-only');
    await mkdir(readOnly, { recursive: true });
    await chmod(readOnly, 0o555);
    const argv = ['index', 'bm25', '--corpus', join(LAB, 'corpus.jsonl'), '--out', join(readOnly, 'index')];
    const run = isRoot ? runAsNobody(argv) : await runMain(argv);
    assertOneLine(run, /--out .*read-only\/index: cannot write there: permission denied \(EACCES\)/u, 'read-only --out');
  });

  // Where the kernel lets anyone bind low ports, port 1 would simply be served: nothing to test.
  const unprivilegedFrom = ((): number => {
    try {
      return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    } catch {
      return 1024;
    }
  })();
  test('a port below 1024 without the privilege is one line naming host:port', { timeout: 120_000, skip: (unprivilegedFrom <= 1 && 'any user may bind port 1 here') || asNobodySkip }, async () => {
    const argv = ['serve', 'llm', '--model', TINY_CHAT, '--port', '1'];
    const run = isRoot ? runAsNobody(argv) : await runMain(argv);
    assertOneLine(run, /cannot listen on 127\.0\.0\.1:1: permission denied .*EACCES/u, 'privileged port');
  });

  test('--help and --version still exit 0', async () => {
    for (const argv of [['--help'], ['--version'], ['index', 'bm25', '--help']]) {
      const run = await runMain(argv);
      assert.equal(run.code, 0, argv.join(' '));
      assert.equal(run.stderr, '');
    }
    assert.match((await runMain(['--help'])).stdout, /--verbose .*stack trace[\s\S]*Exit codes: 0 done; 2 bad input[\s\S]*S3LAB_DEBUG=1/u);
  });
});

describe('the output check', () => {
  test('leaves nothing behind: the directories it created for its probe are removed again', async () => {
    const target = join(dir, 'probe', 'a', 'b');
    await checkOutputPath(target, { label: '--out' });
    await assert.rejects(stat(join(dir, 'probe')), { code: 'ENOENT' });
    await mkdir(join(dir, 'kept'));
    await checkOutputPath(join(dir, 'kept'), { label: '--out' });
    assert.deepEqual(await readdir(join(dir, 'kept')), [], 'the probe file is removed');
    await checkOutputPath(join(dir, 'kept', 'file.json'), { label: '--json', kind: 'file' });
  });

  test('accepts /dev/shm, the one place for storage under /dev', { skip: !existsSync('/dev/shm') && 'no /dev/shm here' }, async () => {
    await checkOutputPath(join('/dev/shm', `s3lab-check-${process.pid}`), { label: '--out' });
    await assert.rejects(checkOutputPath('/dev/s3lab-check', { label: '--out' }), /--out \/dev\/s3lab-check: \/dev is a kernel file system/u);
  });

  test('is an InputError naming the label and the path', async () => {
    await assert.rejects(checkOutputPath('/proc/1/s3lab', { label: '--cache' }), (error: unknown) => error instanceof InputError && error.message.startsWith('--cache /proc/1/s3lab: '));
  });
});

describe('errors after the check', () => {
  const errno = (code: string, syscall: string, path?: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: failed, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, errno: -1, ...(path ? { path } : {}) });
  const outputs = [{ flag: '--out', path: 'out/eval', kind: 'directory' as const }];

  test('a failed write is "cannot write PATH: reason", exit 2 where the place is at fault, 1 for a device error', () => {
    const cases: [NodeJS.ErrnoException, RegExp, 1 | 2][] = [
      [errno('ENOSPC', 'write'), /^s3lab: cannot write --out out\/eval: no space left on device \(ENOSPC\)$/u, 2],
      [errno('EROFS', 'open', '/mnt/ro/records.jsonl'), /^s3lab: cannot write \/mnt\/ro\/records\.jsonl: read-only file system \(EROFS\)$/u, 2],
      [errno('EDQUOT', 'write'), /^s3lab: cannot write --out out\/eval: disk quota exceeded \(EDQUOT\)$/u, 2],
      [errno('EINVAL', 'fsync'), /^s3lab: cannot write --out out\/eval: the file system does not support fsync \(EINVAL\)$/u, 2],
      [errno('EEXIST', 'mkdir', 'out/eval/records.jsonl'), /^s3lab: cannot write out\/eval\/records\.jsonl: already exists \(EEXIST\)$/u, 2],
      [errno('EACCES', 'mkdir', 'out/x'), /^s3lab: cannot write out\/x: permission denied \(EACCES\)$/u, 2],
      [errno('EIO', 'write'), /^s3lab: cannot write --out out\/eval: input\/output error \(EIO\)$/u, 1],
    ];
    for (const [error, line, exitCode] of cases) {
      const report = reportError(error, outputs);
      assert.match(report.line, line);
      assert.equal(report.exitCode, exitCode, report.line);
      assert.doesNotMatch(report.line, /cannot read/u);
    }
  });

  test('a missing input file is still "cannot read PATH"; opening a file under an output is a write', () => {
    const report = reportError(errno('ENOENT', 'open', 'data/qa.jsonl'), outputs);
    assert.deepEqual(report, { line: 's3lab: cannot read data/qa.jsonl: no such file or directory', exitCode: 2 });
    assert.match(reportError(errno('ENOENT', 'open', 'out/eval/summary.json'), outputs).line, /^s3lab: cannot write out\/eval\/summary\.json: /u);
  });
});

describe('an unexpected error', () => {
  // An error no command expects: stdout itself failing under `download --list` (once: a write
  // that comes later from the same context finds it working again).
  const failingStdout = (): ((chunk: string) => void) => {
    let failed = false;
    return () => {
      if (failed) return;
      failed = true;
      throw new TypeError('stdout broke');
    };
  };

  test('is one line with the hint, exit 1, and no stack', async () => {
    const run = await runMain(['download', '--list'], { stdout: failingStdout() });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `s3lab: TypeError: stdout broke (${STACK_TRACE_HINT})\n`);
  });

  test('prints its stack with --verbose (after the command too) or S3LAB_DEBUG=1', async () => {
    for (const [argv, env] of [[['--verbose', 'download', '--list'], undefined], [['download', '--list', '--verbose'], undefined], [['download', '--list'], '1']] as const) {
      const before = process.env.S3LAB_DEBUG;
      if (env) process.env.S3LAB_DEBUG = env;
      try {
        const run = await runMain([...argv], { stdout: failingStdout() });
        assert.equal(run.code, 1);
        assert.match(run.stderr, /^s3lab: TypeError: stdout broke \(.*\)\nTypeError: stdout broke\n {4}at /u, argv.join(' '));
      } finally {
        if (before === undefined) delete process.env.S3LAB_DEBUG;
        else process.env.S3LAB_DEBUG = before;
      }
    }
  });
});
