export { terminalProgress, progressCallback } from './progress.js';
export type { Progress, OnProgress, TerminalProgressOptions } from './progress.js';
export { formatTable } from './table.js';
export type { Row, TableOptions } from './table.js';
