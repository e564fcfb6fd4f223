/**
 * What a run records about itself: the code it ran (git commit, dirty or not), the versions
 * of Node, the toolkit, the kernel, tslab and TypeScript, so that a result can be traced back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tslabVersions } from '../tslab.js';

export interface GitState {
  commit: string;
  /** Uncommitted changes in the work tree when the run started. */
  dirty: boolean;
}

/** The git commit of the repository holding `dir`, or null outside one (or without git). */
export function gitState(dir: string): GitState | null {
  try {
    const run = (args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: run(['rev-parse', 'HEAD']), dirty: run(['status', '--porcelain', '--untracked-files=no']) !== '' };
  } catch {
    return null;
  }
}

export interface Versions {
  node: string;
  toolkit: string;
  kernel: string;
  tslab: string;
  typescript: string;
}

export function versions(): Versions {
  const require = createRequire(import.meta.url);
  return {
    node: process.version,
    toolkit: packageVersion(dirname(require.resolve('@s3lab/toolkit'))),
    kernel: packageVersion(dirname(new URL(import.meta.url).pathname)),
    ...tslabVersions(),
  };
}

/** The version in the nearest package.json at or above `dir`. */
function packageVersion(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    const manifest = join(at, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
    if (dirname(at) === at) return 'unknown';
  }
}
