/**
 * The FAISS binding builds against FAISS wherever it is installed, not only at Debian's paths:
 * FAISS_PREFIX, a faiss.pc for pkg-config, the active conda environment, then the system.
 * Debian's own FAISS is copied to a prefix under a temp dir (headers, and its static archive
 * relinked as the shared libfaiss.so a conda or source install has), the binding is built there
 * with FAISS_PREFIX, and the built binary must load that copy and search with it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('../../../toolkit/native/faiss/build.mjs', import.meta.url));
const DEBIAN_HEADERS = '/usr/include/faiss';
const DEBIAN_ARCHIVE = ['/usr/lib/x86_64-linux-gnu/libfaiss.a', '/usr/lib/aarch64-linux-gnu/libfaiss.a'].find((p) => existsSync(p));
const COMPILER = process.env.CXX || 'g++';

function whyNot(): string | false {
  if (process.platform !== 'linux') return 'copies Debian\'s FAISS and checks the link with ldd: Linux only';
  if (spawnSync(COMPILER, ['--version']).status !== 0) return `no C++ compiler (${COMPILER}; Debian package g++)`;
  if (!existsSync(DEBIAN_HEADERS) || !DEBIAN_ARCHIVE) return 'no Debian FAISS to copy (Debian package libfaiss-dev)';
  return false;
}

/** The build script with a clean FAISS environment plus `env`. */
function build(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['FAISS_PREFIX', 'CONDA_PREFIX', 'PKG_CONFIG_PATH'].includes(k)));
  const run = spawnSync(process.execPath, [BUILD, ...args], { encoding: 'utf8', env: { ...clean, ...env }, timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function config(env: Record<string, string>): { from: string; cflags: string[]; libs: string[]; library?: string } {
  const run = build(['--print-config'], env);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { from: string; cflags: string[]; libs: string[]; library?: string };
}

describe('building the FAISS binding against FAISS outside Debian\'s paths', { skip: whyNot() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 's3lab-faiss-prefix-'));
  const prefix = join(dir, 'faiss');
  const lib = join(prefix, 'lib');
  const pc = join(dir, 'pkgconfig');

  before(() => {
    mkdirSync(lib, { recursive: true });
    cpSync(DEBIAN_HEADERS, join(prefix, 'include', 'faiss'), { recursive: true });
    // Debian ships FAISS as a static archive of PIC objects; relinked whole, it is the shared
    // library other installs have, which the built binding must then name in its DT_NEEDED.
    mkdirSync(pc, { recursive: true });
    writeFileSync(join(pc, 'faiss.pc'), `prefix=${prefix}\nName: faiss\nDescription: FAISS copied for the test\nVersion: 1.7.3\nCflags: -I\${prefix}/include\nLibs: -L\${prefix}/lib -lfaiss\n`);
    const relink = spawnSync(COMPILER, ['-shared', '-o', join(lib, 'libfaiss.so'), '-Wl,--whole-archive', DEBIAN_ARCHIVE as string, '-Wl,--no-whole-archive', '-lblas', '-llapack', '-fopenmp'], { encoding: 'utf8' });
    assert.equal(relink.status, 0, relink.stderr);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('FAISS_PREFIX: the binding links the copied libfaiss.so, loads it without LD_LIBRARY_PATH, and searches', () => {
    const out = join(dir, 'build');
    const run = build(['--force', '--out', out], { FAISS_PREFIX: prefix });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`against FAISS from FAISS_PREFIX=${prefix}: ${join(lib, 'libfaiss.so')}`, 'u'));
    const ldd = spawnSync('ldd', [join(out, 'faiss.node')], { encoding: 'utf8' });
    assert.match(ldd.stdout, new RegExp(`libfaiss\\.so => ${join(lib, 'libfaiss.so')} `, 'u'), ldd.stdout);
    // Loaded in a fresh process with no library path set: the rpath finds the copy.
    const script = `const f = require(${JSON.stringify(join(out, 'faiss.node'))});
      const index = f.createIndex(2, 'Flat', 0);
      index.add(new Float32Array([1, 0, 0, 1, 0.6, 0.8]), 3)
        .then(() => index.search(new Float32Array([0, 1]), 1, 2))
        .then((r) => console.log(JSON.stringify([...r.labels].map(Number))));`;
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'LD_LIBRARY_PATH'));
    const search = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
    assert.equal(search.status, 0, search.stderr);
    assert.deepEqual(JSON.parse(search.stdout), [1, 2], 'inner product with (0, 1): row 1 (1.0), then row 2 (0.8)');
  });

  test('an explicit FAISS_PREFIX wins over pkg-config and conda; one without FAISS is an error that says what it looked for', () => {
    assert.equal(config({ FAISS_PREFIX: prefix, PKG_CONFIG_PATH: pc, CONDA_PREFIX: '/usr' }).from, `FAISS_PREFIX=${prefix}`);
    const missing = build(['--print-config'], { FAISS_PREFIX: join(dir, 'nothing') });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /FAISS_PREFIX=.*nothing has no FAISS: expected .*include\/faiss\/index_factory\.h/u);
  });

  test('pkg-config: the flags of faiss.pc, with an rpath to its shared library', { skip: spawnSync('pkg-config', ['--version']).status === 0 ? false : 'no pkg-config (Debian package pkgconf)' }, () => {
    const found = config({ PKG_CONFIG_PATH: pc, CONDA_PREFIX: join(dir, 'no-conda-here') });
    assert.equal(found.from, 'pkg-config (faiss.pc)');
    assert.deepEqual(found.cflags, [`-I${prefix}/include`]);
    assert.deepEqual(found.libs, [`-L${lib}`, '-lfaiss', `-Wl,-rpath,${lib}`]);
    assert.equal(found.library, join(lib, 'libfaiss.so'));
  });

  test('CONDA_PREFIX: the active environment, when it has FAISS; otherwise the Debian default', () => {
    const conda = config({ CONDA_PREFIX: prefix });
    assert.equal(conda.from, `the conda environment ${prefix}`);
    assert.deepEqual(conda.libs, [`-L${lib}`, `-Wl,-rpath,${lib}`, '-lfaiss']);
    const debian = config({ CONDA_PREFIX: join(dir, 'no-conda-here') });
    assert.equal(debian.from, 'the system (Debian libfaiss-dev)');
    assert.deepEqual(debian.libs, ['-lfaiss', '-lblas', '-llapack'], 'the static archive brings BLAS and LAPACK');
  });
});
