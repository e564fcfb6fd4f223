import type { Command } from 'commander';
export function registerLabWorld(_program: Command): void {}
