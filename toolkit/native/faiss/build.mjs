#!/usr/bin/env node
// Builds the Node-API binding over libfaiss: toolkit/native/faiss/build/faiss.node.
//
// One compiler command, no node-gyp: the binding is a single C++ file, links libfaiss and needs
// Node's own headers (node_api.h), which every Node install ships next to its binary. So a
// fresh clone builds it with nothing from npm and no network.
//
// Where FAISS comes from, first match wins (README.md beside this file says more):
//   1. FAISS_PREFIX: the prefix of a FAISS install (include/faiss/ and lib/ under it), when set;
//   2. pkg-config: a faiss.pc on PKG_CONFIG_PATH (Homebrew, a source build);
//   3. CONDA_PREFIX: the active conda environment (conda-forge faiss-cpu, see environment.yml);
//   4. the system: Debian's libfaiss-dev (/usr/include, /usr/lib/<arch>), or /usr/local.
// A shared libfaiss outside the system's library path is linked with an rpath, so the binding
// loads it without LD_LIBRARY_PATH. The static libfaiss.a (Debian's) brings BLAS and LAPACK.
//
// Run by scripts/bootstrap.mjs (npm start / test / bench) and, when the binary is missing,
// by the toolkit on first use. Skips the build when a stamp says the inputs are unchanged.
// Usage: node toolkit/native/faiss/build.mjs [--force] [--quiet] [--out DIR] [--print-config]
// (--print-config prints the FAISS found and its flags as JSON, and builds nothing.)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'faiss_binding.cc');
const outDir = resolve(option('--out') ?? join(here, 'build'));
const output = join(outDir, 'faiss.node');
const stampFile = join(outDir, 'faiss.node.stamp');
const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');

const HINT = [
  'Debian/Ubuntu: sudo apt-get install -y g++ libfaiss-dev (it brings libblas-dev, liblapack-dev)',
  'conda: conda env create -f environment.yml (faiss-cpu and cxx-compiler), then run inside `conda activate s3lab`',
  'elsewhere: FAISS_PREFIX=/path/to/faiss (with include/faiss/ and lib/libfaiss.*), or a faiss.pc for pkg-config',
].join('\n  ');
const compiler = process.env.CXX || 'g++';
const nodeHeaders = findNodeHeaders();
const faiss = findFaiss();
if (process.argv.includes('--print-config')) {
  console.log(JSON.stringify({ compiler, ...faiss }));
  process.exit(0);
}

// -fopenmp: FAISS parallelises search over cores with OpenMP. A macOS addon is a bundle whose
// Node symbols resolve when Node loads it; elsewhere a plain shared object.
const args = [
  '-O2', '-std=c++17', '-fPIC', ...(process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared']),
  '-fvisibility=hidden', '-Wall', '-Wextra',
  `-I${nodeHeaders}`, ...faiss.cflags, '-DNAPI_VERSION=8', source, '-o', `${output}.${process.pid}.tmp`,
  ...faiss.libs, '-fopenmp',
];

const stamp = createHash('sha256')
  .update(readFileSync(source))
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(JSON.stringify({ compiler, args: args.filter((a) => !a.endsWith('.tmp')), library: faiss.library && statSync(faiss.library).mtimeMs }))
  .digest('hex');

if (!force && existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  if (!quiet) console.log(`native FAISS binding up to date: ${output}`);
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
const started = Date.now();
const run = spawnSync(compiler, args, { encoding: 'utf8' });
if (run.error) fail(`could not run the C++ compiler ${compiler} (set CXX to use another): ${run.error.message}\n  ${HINT}`);
if (run.status !== 0) {
  rmSync(`${output}.${process.pid}.tmp`, { force: true });
  fail(`${compiler} failed (exit ${run.status}) building against FAISS from ${faiss.from}:\n${run.stderr}\n  ${HINT}`);
}
// Rename into place: a process loading the binding (or a second builder) never sees half a file.
renameSync(`${output}.${process.pid}.tmp`, output);
writeFileSync(stampFile, stamp);
if (!quiet) console.log(`built ${output} in ${((Date.now() - started) / 1000).toFixed(1)} s against FAISS from ${faiss.from}: ${faiss.library ?? faiss.libs.join(' ')}`);

/**
 * FAISS's compiler and linker flags, where they came from (for messages), and the library file
 * when known (its mtime goes into the stamp, so an upgraded libfaiss triggers a rebuild).
 * @returns {{ from: string, cflags: string[], libs: string[], library: string | undefined }}
 */
function findFaiss() {
  const explicit = process.env.FAISS_PREFIX;
  if (explicit) {
    const found = fromPrefix(explicit, `FAISS_PREFIX=${explicit}`);
    if (!found) fail(`FAISS_PREFIX=${explicit} has no FAISS: expected ${join(explicit, 'include', 'faiss', 'index_factory.h')} and ${join(explicit, 'lib', 'libfaiss.{so,dylib,a}')}`);
    return found;
  }
  const pkgConfig = fromPkgConfig();
  if (pkgConfig) return pkgConfig;
  if (process.env.CONDA_PREFIX) {
    const conda = fromPrefix(process.env.CONDA_PREFIX, `the conda environment ${process.env.CONDA_PREFIX}`);
    if (conda) return conda;
  }
  const archDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const system = fromDirs('/usr/include', archDirs, 'the system (Debian libfaiss-dev)') ?? fromPrefix('/usr/local', '/usr/local');
  if (system) return system;
  fail(`FAISS (headers and library) not found: no FAISS_PREFIX, no faiss.pc for pkg-config, ${process.env.CONDA_PREFIX ? `no faiss in ${process.env.CONDA_PREFIX}` : 'no conda environment active'}, none in /usr or /usr/local.\n  ${HINT}`);
}

function fromPrefix(prefix, from) {
  return fromDirs(join(prefix, 'include'), [join(prefix, 'lib'), join(prefix, 'lib64')], from);
}

/** FAISS with headers under `include` and the library in the first of `libDirs` that has one. */
function fromDirs(include, libDirs, from) {
  if (!existsSync(join(include, 'faiss', 'index_factory.h'))) return undefined;
  for (const dir of libDirs) {
    const shared = ['libfaiss.so', 'libfaiss.dylib'].map((name) => join(dir, name)).find((path) => existsSync(path));
    const library = shared ?? (existsSync(join(dir, 'libfaiss.a')) ? join(dir, 'libfaiss.a') : undefined);
    if (!library) continue;
    const system = include === '/usr/include';
    return {
      from,
      cflags: system ? [] : [`-I${include}`],
      // A shared libfaiss pulls its own BLAS; the static archive needs it (and LAPACK) named here.
      libs: [...(system ? [] : [`-L${dir}`, ...(shared ? [`-Wl,-rpath,${dir}`] : [])]), '-lfaiss', ...(shared ? [] : ['-lblas', '-llapack'])],
      library,
    };
  }
  return undefined;
}

/** FAISS as a faiss.pc describes it, when pkg-config is installed and knows one. */
function fromPkgConfig() {
  const query = (flag) => spawnSync('pkg-config', [flag, 'faiss'], { encoding: 'utf8' });
  const exists = query('--exists');
  if (exists.error || exists.status !== 0) return undefined;
  const words = (text) => text.trim().split(/\s+/u).filter(Boolean);
  const cflags = words(query('--cflags').stdout ?? '');
  const linkFlags = words(query('--libs').stdout ?? '');
  const libDirs = linkFlags.filter((f) => f.startsWith('-L')).map((f) => f.slice(2));
  const library = libDirs.flatMap((dir) => ['libfaiss.so', 'libfaiss.dylib', 'libfaiss.a'].map((name) => join(dir, name))).find((path) => existsSync(path));
  const rpaths = library && !library.endsWith('.a') ? [`-Wl,-rpath,${dirname(library)}`] : [];
  return { from: 'pkg-config (faiss.pc)', cflags, libs: [...linkFlags, ...rpaths], library };
}

/** Node's C headers: beside the running binary (official, NodeSource, conda and Debian layouts), or npm's nodedir. */
function findNodeHeaders() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (!found) fail(`Node's headers (node_api.h) not found in ${candidates.join(', ')}; install Node with its headers (Debian: the nodejs package from NodeSource, or libnode-dev; conda: nodejs from conda-forge)`);
  return found;
}

function option(name) {
  const at = process.argv.indexOf(name);
  if (at === -1) return undefined;
  const value = process.argv[at + 1];
  if (!value || value.startsWith('--')) fail(`${name} needs a value`);
  return value;
}

function fail(message) {
  console.error(`native FAISS binding: ${message}`);
  process.exit(1);
}
