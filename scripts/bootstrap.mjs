#!/usr/bin/env node
// The one entry point behind `npm start`, `npm test` and `npm run bench`.
// Each of them must work on a fresh clone with nothing but Node installed, so this script
// first does the whole set-up (Debian packages, npm dependencies, the TypeScript build),
// skipping every step that is already up to date, and then runs the job. Each job asks only for
// the Debian packages it uses; as root it installs them, any other user is told the one
// `sudo apt-get install` command to run.
// Plain JavaScript on purpose: it has to run before anything is installed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const job = process.argv[2];
const jobs = { start, test, bench };
// The project's TypeScript by path: `node_modules/.bin/tsc` may be tslab's private copy (5.0),
// which also installs a `tsc` bin and can win the link.
const TSC = 'node_modules/typescript/bin/tsc';

if (!(job in jobs)) {
  console.error(`usage: node scripts/bootstrap.mjs <${Object.keys(jobs).join('|')}> (got ${JSON.stringify(job)})`);
  process.exit(2);
}

checkNode();
// Debian packages first: a user who must install some with sudo learns it before a long npm install.
installSystemPackages();
installNpmDependencies();
// The Node-API binding over libfaiss that dense retrieval loads (skipped when up to date).
step('build native FAISS binding', 'node', ['toolkit/native/faiss/build.mjs']);
step('build', 'node', [TSC, '-b']);
jobs[job]();

/**
 * `npm start`: check the lab world byte for byte against its generator (fast), then run the
 * quickstart notebook headless at lab scale; it prints where the executed notebook and the
 * HTML report are (out/00-quickstart.ipynb, out/00-quickstart.html).
 */
function start() {
  step('lab world', 'node', ['toolkit/bin/s3lab.js', 'lab-world', '--seed', '1', '--out', 'datasets/lab', '--check']);
  step('quickstart notebook', 'node', ['toolkit/bin/s3lab.js', 'run', 'notebooks/00-quickstart.ipynb', '--out', 'out']);
}

/** `npm test`: type checking, lint, then every test; the runner's summary line ends the output. */
function test() {
  step('typecheck', 'node', [TSC, '-p', 'test', '--noEmit']);
  step('typecheck bench', 'node', [TSC, '-p', 'bench', '--noEmit']);
  step('lint', 'npx', ['eslint', '.']);
  const files = findFiles(join(root, 'test'), (name) => name.endsWith('.test.ts')).map((f) => relative(root, f));
  // Last, and with no line of ours after it: the output ends with the test runner's summary.
  step('tests', 'node', ['--conditions=s3lab-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...files], { last: true });
}

/**
 * `npm run bench [-- NAME]`: run the benchmarks under bench/ (or the one named). Those under
 * bench/gpu/ need a GPU and run on the device machine through bench/gpu/run.sh, not here.
 */
function bench() {
  const wanted = process.argv[3];
  const gpu = join(root, 'bench', 'gpu');
  const files = findFiles(join(root, 'bench'), (name) => name.endsWith('.bench.ts'))
    .filter((f) => !f.startsWith(gpu) && (!wanted || f.includes(wanted)));
  if (files.length === 0) fail(`no benchmark matches ${JSON.stringify(wanted)} under bench/`);
  for (const file of files) step(`bench ${relative(root, file)}`, 'node', ['--conditions=s3lab-source', '--import', 'tsx', file]);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) fail(`s3lab needs Node >= 20.19; this is ${process.version}`);
}

/**
 * `npm install` (which follows package-lock.json) when node_modules is missing or was installed
 * from another lock file (a hash marks what was installed). Not `npm ci`: npm 11 leaves other
 * platforms' optional packages (DuckDB's bindings) out of the lock and then refuses `npm ci`.
 * Dependencies' install scripts run as package.json's `allowScripts` says: onnxruntime-node's is
 * denied, since all it does is download CUDA providers (from NuGet, not npm) that the CPU build
 * never loads; its CPU binaries ship inside the npm package.
 */
function installNpmDependencies() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex');
  const marker = join(root, 'node_modules', '.s3lab-installed');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === hash) return;
  step('install npm dependencies', 'npm', ['install', '--no-audit', '--no-fund']);
  writeFileSync(marker, hash);
}

/**
 * The Debian packages this job needs (scripts/system-packages.json says which job needs which,
 * and why): those of `start` for every job (the FAISS binding's compiler and library), plus the
 * job's own (the test peers for `npm test`, the benchmark peers for `npm run bench`), so that
 * `npm start` never asks for a browser or a JDK it does not use.
 * As root the missing ones are installed with apt-get. Any other user gets the one
 * `sudo apt-get install` command that installs them, and the job stops: it cannot run without them.
 * Inside a conda environment (CONDA_PREFIX) the packages conda stands in for (faiss-cpu,
 * cxx-compiler, … from environment.yml) are not asked for; without dpkg (not Debian) the check is
 * skipped and the FAISS build says what it cannot find.
 */
function installSystemPackages() {
  const { packages } = JSON.parse(readFileSync(join(root, 'scripts', 'system-packages.json'), 'utf8'));
  const conda = process.env.CONDA_PREFIX;
  const needed = Object.entries(packages)
    .filter(([, info]) => info.jobs.includes('start') || info.jobs.includes(job))
    .filter(([, info]) => !(conda && info.conda))
    .map(([name]) => name);
  if (needed.length === 0) return;
  // One dpkg-query for all: a line "NAME STATUS" per package dpkg knows (unknown ones only on stderr).
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...needed], { encoding: 'utf8' });
  if (query.error) {
    console.log(`\n▶ Debian packages: not checked (no dpkg-query: not a Debian-based system). Needed for ${job}: ${needed.join(', ')} or their equivalents (scripts/system-packages.json)`);
    return;
  }
  const installed = new Set(query.stdout.split('\n').filter((line) => line.endsWith(' install ok installed')).map((line) => line.split(' ')[0]));
  const missing = needed.filter((name) => !installed.has(name));
  if (missing.length === 0) return;
  const install = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    const npmCommand = job === 'bench' ? 'npm run bench' : `npm ${job}`;
    fail(`${npmCommand} needs ${missing.length} Debian package(s) that are not installed: ${missing.join(', ')} (scripts/system-packages.json says why).\n`
      + `Install them (as a user who may use sudo), then run ${npmCommand} again:\n\n  sudo ${install}\n\n`
      + 'If apt-get cannot find a package, run `sudo apt-get update` first.');
  }
  step('install Debian packages', 'sh', ['-c', `export DEBIAN_FRONTEND=noninteractive && apt-get update && ${install}`]);
}

function step(name, command, args, { last = false } = {}) {
  const started = Date.now();
  console.log(`\n▶ ${name}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.error) fail(`${name}: could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${name} failed (exit ${result.status ?? result.signal}) after ${seconds} s`);
  if (!last) console.log(`✔ ${name} (${seconds} s)`);
}

function findFiles(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    return statSync(path).isDirectory() ? findFiles(path, keep) : keep(name) ? [path] : [];
  });
}

function fail(message) {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}
