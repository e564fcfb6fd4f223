/**
 * What every layer uses: a seeded random source, atomic and append-only files, JSON/JSONL
 * reading with problems that name the file and line, file hashes, option validation, HTTP listen
 * and body helpers, module worker threads and a plain-text table.
 *
 * @example
 * ```ts
 * import { Random, formatTable } from '@s3lab/toolkit';
 * new Random(1, 'demo').shuffle([1, 2, 3]);
 * formatTable([{ type: 'bridge', recall: 0.83 }]);
 * ```
 */
export { Random } from './random.js';
export { InputError } from './input-error.js';
export { isUrl } from './is-url.js';
export { writeAll, writeFileAtomically } from './atomic-file.js';
export { DataFormatError, describeProblem, describeZodIssues, type DataProblem, type LineProblem, type RowProblem, type OnDataProblem } from './problems.js';
export { RecordStream, type FileChecks, type ReadOptions, type ReadStats } from './record-stream.js';
export { UniqueKeys, type Sighting } from './unique-keys.js';
export { checkOutputPath, describeFileFailure, type CheckOutputOptions, type OutputKind } from './output-path.js';
export { readJsonl, type ReadJsonlOptions } from './jsonl.js';
export { writeJsonl, appendJsonl, type WriteJsonlOptions, type AppendJsonlResult } from './jsonl-write.js';
export { openResumableJsonl, readFinishedJsonl, type ResumableJsonl } from './resumable-jsonl.js';
export { openRunRecord, otherSettingsError, settingDifferences, type RunRecordOptions, type RunSettings } from './run-settings.js';
export { readJsonFile } from './json-file.js';
export { countLines } from './lines.js';
export { sha256File } from './file-hash.js';
export { validateOptions } from './validate.js';
export { listen } from './listen.js';
export { readJsonBody, type BodyError } from './json-body.js';
export { HttpError } from './http-error.js';
export { startJsonServer, type JsonServerOptions, type JsonRoute, type JsonRequest, type JsonAnswer, type JsonRequestLog, type RunningJsonServer } from './json-server.js';
export { startModuleWorker } from './worker-thread.js';
export { formatTable, type Row, type TableOptions } from './text-table.js';
