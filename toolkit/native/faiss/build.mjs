#!/usr/bin/env node
// Builds the Node-API binding over libfaiss: toolkit/native/faiss/build/faiss.node.
//
// One g++ command, no node-gyp: the binding is a single C++ file, links the Debian packages
// (libfaiss-dev, which pulls libblas-dev and liblapack-dev; g++ for the compiler) and needs
// Node's own headers (node_api.h), which every Node install ships next to its binary. So a
// fresh clone builds it with nothing from npm and no network.
//
// Run by scripts/bootstrap.mjs (npm start / test / bench) and, when the binary is missing,
// by the toolkit on first use. Skips the build when a stamp says the inputs are unchanged.
// Usage: node toolkit/native/faiss/build.mjs [--force] [--quiet]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'faiss_binding.cc');
const outDir = join(here, 'build');
const output = join(outDir, 'faiss.node');
const stampFile = join(outDir, 'faiss.node.stamp');
const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');

const DEBIAN_HINT = 'Debian packages: g++ libfaiss-dev (it brings libblas-dev, liblapack-dev); `npm test` run as root installs them';
const compiler = process.env.CXX || 'g++';
const nodeHeaders = findNodeHeaders();
const libfaiss = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib']
  .flatMap((dir) => [join(dir, 'libfaiss.a'), join(dir, 'libfaiss.so')])
  .find((path) => existsSync(path));

// -fopenmp: FAISS parallelises search over cores with OpenMP. libfaiss.a is static, so its
// own dependencies (BLAS for the batched inner products, LAPACK) are linked here too.
const args = [
  '-O2', '-std=c++17', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wextra',
  `-I${nodeHeaders}`, '-DNAPI_VERSION=8', source, '-o', `${output}.${process.pid}.tmp`,
  '-lfaiss', '-lblas', '-llapack', '-fopenmp',
];

const stamp = createHash('sha256')
  .update(readFileSync(source))
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(JSON.stringify({ compiler, args: args.filter((a) => !a.endsWith('.tmp')), libfaiss: libfaiss && statSync(libfaiss).mtimeMs }))
  .digest('hex');

if (!force && existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  if (!quiet) console.log(`native FAISS binding up to date: ${output}`);
  process.exit(0);
}
if (!libfaiss || !existsSync('/usr/include/faiss/index_factory.h')) fail(`libfaiss (headers and library) not found. ${DEBIAN_HINT}`);

mkdirSync(outDir, { recursive: true });
const started = Date.now();
const run = spawnSync(compiler, args, { encoding: 'utf8' });
if (run.error) fail(`could not run ${compiler}: ${run.error.message}. ${DEBIAN_HINT}`);
if (run.status !== 0) {
  rmSync(`${output}.${process.pid}.tmp`, { force: true });
  fail(`${compiler} failed (exit ${run.status}):\n${run.stderr}\n${DEBIAN_HINT}`);
}
// Rename into place: a process loading the binding (or a second builder) never sees half a file.
renameSync(`${output}.${process.pid}.tmp`, output);
writeFileSync(stampFile, stamp);
if (!quiet) console.log(`built ${output} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

/** Node's C headers: beside the running binary (official, NodeSource and Debian layouts), or npm's nodedir. */
function findNodeHeaders() {
  const candidates = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (!found) fail(`Node's headers (node_api.h) not found in ${candidates.join(', ')}; install Node with its headers (Debian: the nodejs package from NodeSource, or libnode-dev)`);
  return found;
}

function fail(message) {
  console.error(`native FAISS binding: ${message}`);
  process.exit(1);
}
