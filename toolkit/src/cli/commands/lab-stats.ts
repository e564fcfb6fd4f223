import type { Command } from 'commander';
export function registerLabStats(_program: Command): void {}
