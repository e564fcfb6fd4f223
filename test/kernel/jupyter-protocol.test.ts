/**
 * The kernel against Jupyter's messaging spec (5.3), driven by jupyter_client: every message
 * it sends is checked (header, parent_header, content keys per msg_type, busy/idle around each
 * request) by jupyter_protocol.py, which also exercises execute_result, error replies,
 * stop_on_error, live progress, is_complete, complete, inspect, interrupt and shutdown.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, s3lab, tempDir } from './support.js';

// Debian's Python, where python3-jupyter-client is installed (scripts/system-packages.json).
const PYTHON = '/usr/bin/python3';

interface Report {
  passed: string[];
  measured: {
    kernel_info?: { language_info: { version: string } };
    progress?: { updates: number; spread_s: number; steps_elapsed_s: number; late_elapsed_s: number };
  };
}

describe('the kernel under jupyter_client: messaging spec 5.3', () => {
  test('every message is well-formed and execute, errors, stop_on_error, progress, completion and shutdown behave as the spec says', () => {
    const dir = tempDir('protocol');
    const prefix = join(dir, 'prefix');
    assert.equal(s3lab(['kernel', 'install', '--prefix', prefix]).status, 0);
    // The compiler tslab checks cells with: what language_info.version must name.
    const typescript = (createRequire(join(ROOT, 'kernel', 'package.json'))('@tslab/typescript-for-tslab/package.json') as { version: string }).version;
    const out = join(dir, 'report.json');
    const run = spawnSync(PYTHON, [join(ROOT, 'test', 'kernel', 'jupyter_protocol.py'), join(ROOT, 'notebooks'), typescript, out], {
      encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter') }, timeout: 240_000,
    });
    assert.ok(existsSync(out), `jupyter_protocol.py wrote no report: ${run.stderr}`);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    assert.equal(run.status, 0, `${run.stderr}\npassed: ${report.passed.join(', ')}`);
    assert.deepEqual(report.passed, [
      'kernel_info', 'execute_result', 'stream', 'rich_execute_result', 'error', 'runs_after_error', 'typescript_error',
      'stop_on_error_aborts', 'live_progress', 'is_complete', 'complete', 'inspect', 'history_and_comm_info', 'interrupt', 'shutdown',
    ]);
    assert.equal(report.measured.kernel_info?.language_info.version, typescript);
    const progress = report.measured.progress;
    assert.ok(progress && progress.spread_s >= 1 && progress.steps_elapsed_s >= 1.3, `progress updates were sent while the cell ran: ${JSON.stringify(progress)}`);
  });
});
