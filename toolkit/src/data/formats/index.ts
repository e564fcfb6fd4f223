export { readCorpus, splitContents, joinContents, corpusDocumentSchema, recordIdSchema, type CorpusDocument, type SplitContentsOptions } from './corpus.js';
export { readQa, normalizeQuestion, qaRecordSchema, type QaRecord } from './qa.js';
export { readParquet, readTrainingParquet, writeTrainingParquet, type ReadParquetOptions, type WriteParquetOptions } from './parquet.js';
export { trainingRowSchema, TRAINING_PARQUET_SCHEMA, TRAINING_ROW_COLUMNS, type TrainingRow, type TrainingRowInput } from './training-row.js';
