// Grids: keys name what a run changes, listed and cartesian runs expand in order, and every bad
// grid fails before a run starts with one line naming the key and the allowed values.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { expandGrid, labRunConfig, parseGrid, readGrid, runKey } from '@s3lab/toolkit';

describe('sweep grids', () => {
  it('expands base, listed runs and every combination of the factors, each once, named by what it changes', () => {
    const grid = parseGrid('base: {steps: 4}\nruns:\n  - {reward: em}\n  - {steps: 4}\nfactors:\n  search: [5-3-4, 8-3-3]\n  selection: [true, false]\n', 'g.yaml');
    const runs = expandGrid(grid);
    assert.deepEqual(runs.map((r) => r.key), ['base', 'reward=em', 'search=5-3-4,selection=true', 'search=5-3-4,selection=false', 'search=8-3-3,selection=true', 'search=8-3-3,selection=false']);
    assert.deepEqual(runs[3]?.factors, { steps: 4, search: '5-3-4', selection: false });
    assert.equal(runKey({ search: '5-3-4', reward: 'em' }), 'reward=em,search=5-3-4', 'keys list factors in one order');
  });

  it('a run\'s factors become its RL configuration; the rest keep the lab preset', () => {
    const config = labRunConfig({ reward: 'em', search: '5-3-4', initialDocs: 0, selection: false, algorithm: 'ppo' });
    assert.deepEqual([config.algorithm, config.reward, config.preset, config.initialDocs, config.selection, config.batchSize], ['ppo', 'em', '5-3-4', 0, false, 16]);
    assert.deepEqual([labRunConfig({}).reward, labRunConfig({}).selection, labRunConfig({}).initialDocs], ['gbr', true, 3]);
  });

  it('bad grids: one line naming the key and what it allows', () => {
    const bad: [string, RegExp][] = [
      ['runs:\n  - {rewards: em}\n', /^grid g\.yaml: runs\[0\]\.rewards: unknown factor; expected one of algorithm, reward, search, initialDocs, selection, steps/u],
      ['runs:\n  - {reward: f1}\n', /^grid g\.yaml: runs\[0\]\.reward: "f1" is not allowed; expected gbr, gbr\+genacc, genacc, span, em$/u],
      ['factors:\n  search: [8-3]\n', /^grid g\.yaml: factors\.search\[0\]: "8-3" is not allowed; expected documents-turns-kept/u],
      ['factors:\n  initialDocs: []\n', /^grid g\.yaml: factors\.initialDocs: an empty list; give at least one value \(an integer from 0/u],
      ['base: {steps: 2}\n', /^grid g\.yaml: no runs; give runs/u],
      ['{}', /^grid g\.yaml: no runs/u],
      ['runs: [{selection: no}]\nsweeps: 2\n', /^grid g\.yaml: sweeps: unknown key; expected base, runs, factors, transfer$/u],
      ['runs: [{reward: em}]\ntransfer: {seed: 2, world: w}\n', /^grid g\.yaml: transfer: expected exactly one of seed/u],
      ['runs: [{reward: em}]\ntransfer: {seed: 2, runs: [reward=f1]}\n', /^grid g\.yaml: transfer\.runs\[0\]: "reward=f1" is no run of this grid; expected one of base, reward=em$/u],
      ['runs: [{reward: em}\n', /^grid g\.yaml: not YAML or JSON/u],
    ];
    for (const [text, message] of bad) {
      assert.throws(() => parseGrid(text, 'g.yaml'), (error: Error) => error.name === 'InputError' && message.test(error.message) && !error.message.includes('\n'), text);
    }
  });

  it('the shipped ablation grid is valid: the paper\'s ablations, each against base', async () => {
    const file = fileURLToPath(new URL('../../notebooks/ablations.grid.yaml', import.meta.url));
    const grid = await readGrid(file);
    const runs = expandGrid(grid);
    assert.deepEqual(runs.map((r) => r.key), ['base', 'reward=em', 'search=5-3-4', 'search=3-3-3', 'initialDocs=0', 'selection=false', 'initialDocs=0,selection=false', 'seed=2']);
    assert.deepEqual(grid.transfer, { seed: 100, runs: ['base'] });
    assert.match(await readFile(file, 'utf8'), /s3lab sweep --grid notebooks\/ablations\.grid\.yaml/u);
  });
});
