export { DataFormatError, describeProblem, describeZodIssues, type DataProblem, type LineProblem, type RowProblem, type OnDataProblem } from './problems.js';
export { RecordStream, type ReadOptions, type ReadStats } from './record-stream.js';
export { readJsonl, type ReadJsonlOptions } from './jsonl.js';
export { writeJsonl, appendJsonl, type WriteJsonlOptions, type AppendJsonlResult } from './jsonl-write.js';
export { readCorpus, splitContents, joinContents, corpusDocumentSchema, recordIdSchema, type CorpusDocument, type SplitContentsOptions } from './corpus.js';
export { readQa, normalizeQuestion, qaRecordSchema, type QaRecord } from './qa.js';
export { readParquet, readTrainingParquet, writeTrainingParquet, type ReadParquetOptions, type WriteParquetOptions } from './parquet.js';
export { trainingRowSchema, TRAINING_PARQUET_SCHEMA, TRAINING_ROW_COLUMNS, type TrainingRow, type TrainingRowInput } from './training-row.js';
export { readJsonFile } from './json-file.js';
