export { terminalProgress, progressCallback } from './progress.js';
export type { Progress, OnProgress, TerminalProgressOptions } from './progress.js';
