export {
  corpusDocumentSchema, joinContents, normalizeQuestion, qaRecordSchema, readCorpus, readParquet,
  readQa, readTrainingParquet, recordIdSchema, splitContents, TRAINING_PARQUET_SCHEMA,
  TRAINING_ROW_COLUMNS, trainingRowSchema, writeTrainingParquet, type CorpusDocument, type QaRecord,
  type ReadParquetOptions, type SplitContentsOptions, type TrainingRow, type TrainingRowInput,
  type WriteParquetOptions,
} from './formats/index.js';
export {
  compareFiles, DEFAULT_SIZES, describeFile, generateLabWorld, labQuestionSchema, labWorldDataFiles,
  LabWorldOptions, labWorldReadme, measureRetrievalRates, QUESTION_TYPES, rateRow, SPLITS,
  summarizeLabWorld, toJsonl, TYPE_MIX, writeFilesAtomically, type City, type Country, type Entity,
  type FileDifference, type FileEntry, type LabPassage, type LabQuestion, type LabQuestionRecord,
  type LabWorld, type LabWorldSummary, type Organisation, type Person, type QuestionType,
  type RatesOptions, type RetrievalRates, type SearchesOne, type SplitName, type StatsQuestion,
  type Work, type World, type WorldEvent,
} from './lab-world/index.js';
export {
  DEFAULT_DOWNLOAD_MANIFEST, DownloadError, downloadNamed, hubSettings, loadDownloadManifest,
  type DownloadedSet, type DownloadManifest, type DownloadOptions, type DownloadProgress,
  type DownloadSpec, type DownloadStep, type HubSettings,
} from './hub/index.js';
