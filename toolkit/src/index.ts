/**
 * @s3lab/toolkit — everything the s3 method needs, one folder per concern.
 *
 * @example
 * ```ts
 * import { exactMatch, spanMatch } from '@s3lab/toolkit';
 * spanMatch('It was Paris, France.', ['paris']); // true
 * ```
 */
export {
  appendJsonl, countLines, DataFormatError, describeProblem, describeZodIssues, formatTable,
  InputError, isUrl, openResumableJsonl, Random, readFinishedJsonl, readJsonFile, readJsonl,
  writeJsonl, type DataProblem, type Row,
} from './core/index.js';
export {
  LAB_DATA_SOURCE, LAB_PATHS, LAB_RUN_QUESTIONS, LAB_SCALE, PAPER_SCALE, REWARD_VARIANTS,
  SEARCH_PRESETS, type RewardVariant,
} from './config/index.js';
export {
  analyze, normalizeAnswer, porterStem, simpleTokenize, splitLikePython, standardTokenize,
  stripLikePython,
} from './text/index.js';
export {
  describeFile, DownloadError, downloadNamed, generateLabWorld, hubSettings, joinContents,
  labQuestionSchema, labWorldDataFiles, loadDownloadManifest, measureRetrievalRates,
  normalizeQuestion, QUESTION_TYPES, rateRow, readCorpus, readParquet, readQa, readTrainingParquet,
  splitContents, SPLITS, trainingRowSchema, writeTrainingParquet, type CorpusDocument,
  type DownloadManifest, type DownloadProgress, type LabWorld, type QaRecord, type TrainingRow,
  type TrainingRowInput,
} from './data/index.js';
export {
  byteLevelAlphabet, createCausalLM, DEFAULT_MAX_LENGTH, deviceFromEnvironment, E5_PASSAGE_PREFIX,
  E5_QUERY_PREFIX, e5Passage, e5PassageFromContents, e5Query, loadCausalLM, loadEncoder,
  loadTokenizer, maskedNll, meanPoolNormalize, ModelFileError, padSequences, QWEN25_CHAT_TEMPLATE,
  QWEN25_CHAT_TEMPLATE_SHA256, QWEN25_DEFAULT_SYSTEM_PROMPT, readSafetensors, renderChatTemplate,
  resolveDevice, ScaledAdam, tokenLogProbs, trainLabTokenizer, TransformerLM, useTfjsBackend,
  writeChatTemplate, writeSafetensors, type CausalLM, type ChatMessage, type Encoder,
  type TextTokenizer, type TfjsBackendName,
} from './models/index.js';
export {
  Bm25Index, buildBm25Index, buildDenseIndex, DenseIndex, DenseRetriever, encodeChecked,
  encodePassages, FaissIndex, FlatScanIndex, getFaissThreads, lengthToNorm, normToLength,
  openBm25Index, openRetriever, openRetrieverSource, openVectorIndex, packBatch, packRows,
  parseQuery, readFlatLayout, RetrieverClient, saveBm25Index, setFaissThreads, startRetrievalServer,
  writeFlatIndexFile, writeRetrieverDescription, type DenseBatch, type DenseBuildProgress,
  type DenseMatch, type EncodeTexts, type FaissMetric, type Hit, type Retriever,
  type RunningRetrievalServer, type VectorIndex,
} from './retrieval/index.js';
export {
  buildTrainingRows, combineReward, exactMatch, extractAnswer, f1Score, filterTrainingQuestions,
  generateAnswers, GenerationReward, generatorMessages, hasAnswerTokens, isYesNoQuestion,
  judgeMessages, judgeResponses, naiveRagContext, parseJudgeReply, precomputeRagCache, RagCache,
  ragCacheEntrySchema, scoreContexts, scoreGenAcc, spanMatch, toRewardTrajectory,
  type GeneratorInput, type RagCacheEntry, type RewardTrajectory,
} from './reward/index.js';
export {
  buildSearcherPrompt, extractSelectedDocs, formatDocLines, formatGeneratorContext, getMethod,
  hasMethod, informationObservation, INVALID_ACTION_FEEDBACK, isLabSearcher, LAB_SEARCHER_CONFIG,
  labSearcherMethod, labSearcherPrompt, listMethods, LmSearcherPolicy, loadLabSearcher,
  loadTrajectories, methodNames, naiveRag, parseSearcherResponse, plainTitle, registerMethod,
  replayTrajectory, runLabSearcher, runScriptedSearcher, runSearcher, runSearchLoop, runTurns,
  saveTrajectories, SEARCHER_START_MARKER, showTrajectory, toRetrievedDoc, trajectorySchema,
  trajectoryTranscript, transcriptAfterStartMarker, unregisterMethod, type LabSearcher, type Method,
  type MethodEnv, type SelectedDoc, type Trajectory, type TurnProtocol,
} from './agent/index.js';
export {
  createSearcherTrainer, GrpoTrainer, latestCheckpoint, loadCheckpoint, microBatches, PpoTrainer,
  RL_PRESETS, rlConfig, saveCheckpoint, startRewardServer, trainSft, ValueHead, type RlConfig,
  type RlStepMetrics, type RolloutReward, type SearcherTrainer, type SearcherTrainerOptions,
  type SftExample, type TrainingQuestion,
} from './rl/index.js';
export {
  evalRecordSchema, readerCheck, runEvaluation, summarizeRecords, summaryRows, type EvalRecord,
  type EvaluationSummary, type RunEvaluationOptions, type SummaryCell,
} from './eval/index.js';
export {
  labGeneratorExamples, labResultRows, labVerdict, learningCurveRows, searcherDemonstrations,
  trainLabSearcher, type LabRunEvent, type LabRunOptions, type LabRunReport,
} from './pipelines/index.js';
export {
  barChart, currentDisplaySink, display, displayProgress, displayProgressCallback, escapeHtml,
  htmlTable, isDisplayable, liveDisplay, plot, PLOTLY_MIME, plotlyDrawScript, plotlyLibrarySource,
  progressBundle, progressCallback, setDisplaySink, table, terminalProgress, terminalSink,
  toMimeBundle, type DisplaySink, type Figure, type MimeBundle,
} from './display/index.js';
export {
  cachedChatModel, cacheEntryPath, cacheKey, canonicalJson, ChatRequestError, LlmServerError,
  loadLocalChatModel, localChatModel, openAiChatModel, openChatModelSource, startLlmServer,
  workerChatModel, type ChatModel, type ChatRequest, type ChatResponse, type CompletionRequest,
  type LocalChatModel, type RunningLlmServer,
} from './llm/index.js';
