// `s3lab eval --searcher`: repeatable, per method (METHOD=DIR|URL), a lab model serving only the
// method it was trained for, and the shipped lab models as defaults on the lab world's questions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Resolved here, so that the CLI also runs from a directory without node_modules (the sandbox below).
const tsx = import.meta.resolve('tsx');
const s3lab = (cwd: string, ...args: string[]) => spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', tsx, join(root, 'toolkit/src/cli/run.ts'), 'eval', ...args], { cwd, encoding: 'utf8' });
const tinyChat = join(root, 'test/fixtures/lm/tiny-chat');
const corpus = join(root, 'datasets/lab/corpus.jsonl');

describe('s3lab eval --searcher', () => {
  let dir = '';
  /** The shipped lab searcher's weights, labelled a lab Search-R1 model. */
  let r1 = '';
  /**
   * A working directory holding the lab world (`datasets/lab`, linked) and only the lab models a
   * test links into `datasets/models`: the defaults the command finds are the test's.
   */
  let sandbox = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3lab-eval-searchers-'));
    r1 = join(dir, 'lab-search-r1');
    await mkdir(r1);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(root, 'datasets/models/lab-searcher', file), join(r1, file));
    await writeFile(join(r1, 's3lab.json'), `${JSON.stringify({ searcher: 'lab', method: 'search-r1', preset: '8-3-3', initialDocs: 3 })}\n`);
    sandbox = join(dir, 'sandbox');
    await mkdir(join(sandbox, 'datasets/models'), { recursive: true });
    await symlink(join(root, 'datasets/lab'), join(sandbox, 'datasets/lab'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));
  const common = (...more: string[]) => ['--data', 'datasets/lab/test.jsonl', '--corpus', corpus, '--generator', tinyChat, '--judge', 'none', '--out', join(dir, 'never'), ...more];

  test('a lab model given to a method it was not trained for is refused in one line, exit 2, naming both', () => {
    const shared = s3lab(root, ...common('--methods', 's3', '--searcher', r1));
    assert.equal(shared.status, 2);
    assert.equal(shared.stderr, `s3lab: --searcher ${r1} is a lab search-r1 model (its s3lab.json); it cannot serve s3: give s3 its own with --searcher s3=<dir|url>\n`);
    const own = s3lab(root, ...common('--methods', 'naive-rag,s3', '--searcher', `s3=${r1}`));
    assert.equal(own.status, 2);
    assert.match(own.stderr, /--searcher s3=.*lab-search-r1 is a lab search-r1 model \(its s3lab\.json\); it cannot serve s3/u);
    const shipped = s3lab(root, ...common('--methods', 'search-r1', '--searcher', 'search-r1=datasets/models/lab-searcher'));
    assert.equal(shipped.status, 2);
    assert.match(shipped.stderr, /--searcher search-r1=datasets\/models\/lab-searcher is a lab s3 model \(its s3lab\.json\); it cannot serve search-r1/u);
    assert.doesNotMatch(`${shared.stderr}${own.stderr}${shipped.stderr}`, /at .*\.ts:/u, 'no stack trace');
  });

  test('METHOD= names one of --methods that takes a searcher, once; one shared searcher at most', () => {
    const cases: [string[], RegExp][] = [
      [['--methods', 'naive-rag,s3', '--searcher', 'ircot=http://127.0.0.1:9/v1'], /--searcher ircot=http:\/\/127\.0\.0\.1:9\/v1: ircot is not among --methods \(naive-rag, s3\)\n$/u],
      [['--methods', 'naive-rag,s3', '--searcher', 'naive-rag=datasets/models/lab-searcher'], /--searcher naive-rag=datasets\/models\/lab-searcher: naive-rag takes no searcher model\n$/u],
      [['--methods', 's3', '--searcher', 's3=a', '--searcher', 's3=b'], /--searcher: s3 is given two searchers \(a and b\)\n$/u],
      [['--methods', 's3', '--searcher', 'a', '--searcher', 'b'], /--searcher: a and b both serve every method; give one shared --searcher DIR\|URL and name the others' methods \(--searcher METHOD=DIR\|URL\)\n$/u],
    ];
    for (const [args, message] of cases) {
      const run = s3lab(root, ...common(...args));
      assert.equal(run.status, 2, args.join(' '));
      assert.match(run.stderr, message);
    }
  });

  test('on the lab world\'s questions a trained method without a searcher gets its shipped lab model, and the command says so', async () => {
    // None shipped: today's usage error, naming the directory looked for.
    const none = s3lab(sandbox, ...common('--methods', 'naive-rag,s3'));
    assert.equal(none.status, 2);
    assert.match(none.stderr, /s3 needs a searcher model: give --searcher <dir\|url> or --searcher s3=<dir\|url> \(its shipped lab model datasets\/models\/lab-searcher is not there\)\n$/u);

    await symlink(join(root, 'datasets/models/lab-searcher'), join(sandbox, 'datasets/models/lab-searcher'));
    await symlink(r1, join(sandbox, 'datasets/models/lab-search-r1'));
    // Stopped by the bad --rag-cache after the choice is made and printed, before any model loads.
    const both = s3lab(sandbox, ...common('--methods', 'naive-rag,search-r1,s3', '--rag-cache', join(dir, 'missing.jsonl')));
    assert.equal(both.status, 2);
    assert.equal(both.stdout, 'lab world questions: datasets/models/lab-search-r1 serves search-r1, datasets/models/lab-searcher serves s3 (the shipped lab models; --searcher METHOD=DIR|URL gives another)\n');
    assert.match(both.stderr, /cannot read --rag-cache/u);
    // Given ones take precedence: nothing shipped is used, nothing printed.
    const given = s3lab(sandbox, ...common('--methods', 'search-r1,s3', '--searcher', `search-r1=${r1}`, '--searcher', 'datasets/models/lab-searcher', '--rag-cache', join(dir, 'missing.jsonl')));
    assert.equal(given.status, 2);
    assert.equal(given.stdout, '');
    // Questions from elsewhere are not the lab scale: no default.
    const qa = join(dir, 'qa.jsonl');
    await writeFile(qa, (await readFile(join(root, 'datasets/lab/test.jsonl'), 'utf8')).split('\n').slice(0, 2).join('\n'));
    const elsewhere = s3lab(sandbox, ...common('--methods', 's3', '--data', qa));
    assert.equal(elsewhere.status, 2);
    assert.match(elsewhere.stderr, /s3 needs a searcher model: give --searcher <dir\|url> or --searcher s3=<dir\|url>\n$/u);

    const out = join(dir, 'eval');
    const run = s3lab(sandbox, '--methods', 's3', '--data', 'datasets/lab/test.jsonl', '--limit', '2', '--corpus', corpus, '--generator', join(root, 'datasets/models/lab-generator'), '--judge', 'none', '--max-tokens', '8', '--out', out);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^lab world questions: datasets\/models\/lab-searcher serves s3 \(the shipped lab models/u);
    assert.match(run.stdout, /s3\s+all\s+2/u);
    const settings = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([settings.searcherSource, settings.searcherSources, settings.searcher, settings.searchers], [null, { s3: 'datasets/models/lab-searcher' }, null, { s3: 'datasets/models/lab-searcher' }]);
  });

  test('--help shows the per-method form and the lab world example', () => {
    const help = s3lab(root, '--help');
    assert.equal(help.status, 0, help.stderr);
    const text = help.stdout.replace(/\s+/gu, ' ');
    assert.match(text, /--searcher <\[method=\]dir\|url>/u);
    assert.match(text, /METHOD=DIR\|URL that method only/u);
    assert.match(text, /s3lab eval --methods no-retrieval,naive-rag,deep-retrieval,search-r1,s3 --data datasets\/lab\/test\.jsonl/u);
    assert.match(text, /"METHOD \(end to end\)"/u);
  });
});
