/**
 * The toolkit's layering (DESIGN.md), checked by dependency-cruiser with the rules in
 * .dependency-cruiser.cjs: imports go down the layers only, no cycles, commands import no command.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const config = join(root, '.dependency-cruiser.cjs');
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation { rule: { name: string }; from: string; to: string }

function cruise(cwd: string): Violation[] {
  const run = spawnSync(process.execPath, [depcruise, 'toolkit/src', '--config', config, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.ok(run.stdout, `depcruise printed nothing: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layering', () => {
  it('the toolkit has no import against the layers, no cycle, no command importing a command', () => {
    const violations = cruise(root);
    assert.deepEqual(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
  });

  it('the rules catch an upward import, an unknown folder and a cycle', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-layers-'));
    try {
      const files: Record<string, string> = {
        'toolkit/src/text/a.ts': "import { b } from '../data/b.js';\nexport const a = b;\n",
        'toolkit/src/data/b.ts': 'export const b = 1;\n',
        'toolkit/src/extras/c.ts': "import { b } from '../data/b.js';\nexport const c = b;\n",
        'toolkit/src/core/d.ts': "import { e } from './e.js';\nexport const d = () => e();\n",
        'toolkit/src/core/e.ts': "import { d } from './d.js';\nexport const e = () => d;\n",
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), text);
      }
      const names = new Set(cruise(dir).map((v) => v.rule.name));
      assert.deepEqual([...names].sort(), ['layer-text', 'layer-unknown', 'no-circular']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
