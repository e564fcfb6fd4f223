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
  appendJsonl, checkOutputPath, countLines, UniqueKeys, DataFormatError, describeProblem, describeZodIssues, formatTable,
  InputError, isUrl, openResumableJsonl, openRunRecord, otherSettingsError, Random, readFinishedJsonl, readJsonFile, readJsonl, settingDifferences,
  writeJsonl, type AppendJsonlResult, type BodyError, type DataProblem, type LineProblem,
  type OnDataProblem, type ReadJsonlOptions, type ReadOptions, type ReadStats, type ResumableJsonl, type RunRecordOptions, type RunSettings,
  type Row, type RowProblem, type TableOptions, type WriteJsonlOptions,
} from './core/index.js';
export {
  LAB_DATA_SOURCE, LAB_PATHS, LAB_RUN_QUESTIONS, LAB_SCALE, PAPER_SCALE, REWARD_VARIANTS,
  SEARCH_PRESETS, type RewardVariant, type ScaleDefaults, type SearchPresetName,
} from './config/index.js';
export {
  analyze, normalizeAnswer, porterStem, simpleTokenize, splitLikePython, standardTokenize,
  stripLikePython,
} from './text/index.js';
export {
  describeFile, DownloadError, downloadNamed, generateLabWorld, hubSettings, joinContents,
  labQuestionSchema, labWorldDataFiles, loadDownloadManifest, measureRetrievalRates,
  normalizeQuestion, QUESTION_TYPES, rateRow, readCorpus, readParquet, readQa, readTrainingParquet,
  splitContents, SPLITS, trainingRowSchema, writeTrainingParquet, type City, type CorpusDocument,
  type Country, type DownloadedSet, type DownloadManifest, type DownloadOptions,
  type DownloadProgress, type DownloadSpec, type DownloadStep, type Entity, type FileDifference,
  type FileEntry, type HubSettings, type LabPassage, type LabQuestion, type LabQuestionRecord,
  type LabWorld, type LabWorldSummary, type Organisation, type Person, type QaRecord,
  type QuestionType, type RatesOptions, type ReadParquetOptions, type RetrievalRates,
  type SearchesOne, type SplitContentsOptions, type SplitName, type StatsQuestion, type TrainingRow,
  type TrainingRowInput, type Work, type World, type WorldEvent, type WriteParquetOptions,
} from './data/index.js';
export {
  buildLlamaGraph, byteLevelAlphabet, checkTokenIds, createCausalLM, decodeBatch,
  DEFAULT_MAX_LENGTH, deviceFromEnvironment, E5_PASSAGE_PREFIX, E5_QUERY_PREFIX, e5Passage,
  e5PassageFromContents, e5Query, encodeModel, INFERENCE_RUNTIMES, LLAMA_GRAPH_IO, loadCausalLM,
  loadEncoder, loadInferenceLM, loadTokenizer, maskedNll, meanPoolNormalize, ModelFileError,
  OnnxCausalLM, padSequences, QWEN25_CHAT_TEMPLATE, QWEN25_CHAT_TEMPLATE_SHA256,
  QWEN25_DEFAULT_SYSTEM_PROMPT, readSafetensors, renderChatTemplate, resolveDevice, ScaledAdam,
  tokenLogProbs, trainLabTokenizer, TransformerLM, useTfjsBackend, writeChatTemplate,
  setFusedKernels, fusedRmsNorm, fusedSwiglu, fusedRope, fusedMaskedSoftmax, targetLogProbs, positionsById, runKernel, sumOfSquares,
  writeSafetensors, type CausalLM, type ChatMessage, type ChatTemplateOptions, type DecodedModel,
  type DecodeOptions, type DecodeStep, type EncodeOptions, type Encoder, type EncoderOptions,
  type GenerateOptions, type GpuAdapterDescription, type InferenceRuntime, type LmConfig,
  type LmFamily, type LoadCausalLMOptions, type LoadInferenceLMOptions, type OnnxAttribute,
  type OnnxCausalLMOptions, type OnnxElementType, type OnnxGraph, type OnnxModel, type OnnxNode,
  type OnnxTensor, type OnnxValueInfo, type PaddedSequences, type ResolvedDevice, type S3labDevice,
  type SpecialTokenName, type StoredTensor, type TextTokenizer, type TfjsBackendName,
  type TokenizedText, type TokenizerOptions, type TrainedTokenizer, type TrainLabTokenizerOptions,
} from './models/index.js';
export {
  Bm25Index, buildBm25Index, buildDenseIndex, DenseIndex, DenseRetriever, encodeChecked,
  encodePassages, FaissIndex, FlatScanIndex, getFaissThreads, lengthToNorm, normToLength,
  openBm25Index, openRetriever, openRetrieverSource, openVectorIndex, packBatch, packRows,
  parseQuery, readFlatLayout, RetrieverClient, saveBm25Index, setFaissThreads, startRetrievalServer,
  writeFlatIndexFile, writeRetrieverDescription, type Bm25Document, type Bm25OpenOptions,
  type Bm25Options, type Bm25Stats, type BooleanClause, type BuildBm25Options, type BuildBm25Result,
  type DenseBatch, type DenseBuildOptions, type DenseBuildProgress, type DenseConfig,
  type DenseIndexOptions, type DenseManifest, type DenseMatch, type DenseRetrieverOptions,
  type DenseSource, type EncodePassagesOptions, type EncodeTexts, type FaissIndexOptions,
  type FaissMetric, type FaissSearchResult, type FlatFileLayout, type FlatScanOptions, type Hit,
  type IndexedDoc, type OpenedRetriever, type OpenedRetrieverSource, type PackedBatch,
  type ParsedQuery, type PassageLookup, type QueryNode, type QuerySyntax, type ResumePoint,
  type RetrievalServerOptions, type Retriever, type RetrieverClientOptions,
  type RetrieverDescription, type RunningRetrievalServer, type TermClause, type VectorIndex,
} from './retrieval/index.js';
export {
  buildTrainingRows, combineReward, rewardAccuracy, exactMatch, extractAnswer, f1Score, filterTrainingQuestions,
  generateAnswers, GenerationReward, generatorMessages, hasAnswerTokens, isYesNoQuestion,
  OwnAnswerReward, RetrievalRecallReward, type OwnAnswerDetail, type RetrievalRecallDetail,
  judgeMessages, judgeResponses, naiveRagContext, parseJudgeReply, precomputeRagCache, RagCache,
  ragCacheEntrySchema, scoreContexts, scoreGenAcc, spanMatch, toRewardTrajectory,
  type BuildTrainingRowsOptions, type GenAccItem, type GenAccResult, type GenerateAnswersOptions,
  type GeneratedAnswer, type GenerationRewardOptions, type GeneratorInput, type GoldenAnswers,
  type JudgeItem, type JudgeVerdict, type MissingRagPolicy, type OriginalRagCache,
  type PrecomputeRagCacheOptions, type PrecomputeRagCacheResult, type RagCacheEntry,
  type RagContextFormat, type Reward, type RewardDetail, type RewardTrajectory,
  type ScoreContextsOptions, type ScoredContext, type ScoreItem, type TrainingFilterResult,
} from './reward/index.js';
export {
  buildSearcherPrompt, extractSelectedDocs, formatDocLines, formatGeneratorContext, getMethod,
  hasMethod, informationObservation, INVALID_ACTION_FEEDBACK, isLabSearcher, LAB_SEARCHER_CONFIG,
  labSearcherMethod, labSearcherPrompt, listMethods, LmSearcherPolicy, loadLabSearcher,
  loadTrajectories, methodNames, naiveRag, parseSearcherResponse, plainTitle, registerMethod,
  replayTrajectory, runLabSearcher, runScriptedSearcher, runSearcher, runSearchLoop, runTurns,
  saveTrajectories, SEARCHER_START_MARKER, showTrajectory, toRetrievedDoc, trajectorySchema,
  trajectoryTranscript, transcriptAfterStartMarker, unregisterMethod,
  type ExtractSelectedDocsOptions, type FollowUpQueryStyle, type Generated, type GenerationSettings,
  type Issue, type LabSearcher, type LabSearcherInfo, type LabSearcherMethodOptions,
  type LmSearcherOptions, type LoadLabSearcherOptions, type Method, type MethodEnv, type MethodNeeds, type ModelPolicyOptions,
  type ParsedSearcherResponse, type ParseSearcherOptions, type PolicyOutput, type Replay,
  type RetrievedDoc, type RunLabSearcherOptions, type RunSearcherOptions, type RunTurnsOptions,
  type ScriptedSearcherOptions, type SearcherAction, type SearcherModel, type SearcherPolicy,
  type SearcherPreset, type SearcherPromptOptions, type SearcherState, type SearcherTokens,
  type SearchLoopOptions, type SelectedDoc, type Trajectory, type Turn, type TurnProtocol,
  type TurnRun, type TurnStep, type TurnPolicy, type PolicyState, type LabMethod, type PolicyLoop, type PolicyLoopSettings,
  type RunSearchR1Options, type RunDeepRetrievalOptions,
  LAB_METHODS, labMethodOf, labPolicyLoop, labSearchR1Prompt, labDeepRetrievalPrompt, requireLabMethod, runSearchR1, runDeepRetrieval,
  SEARCH_R1_SETTINGS, SEARCH_R1_STOP_AFTER, DEEP_RETRIEVAL_STOP_AFTER, S3_STOP_AFTER, SHIPPED_LAB_MODELS,
} from './agent/index.js';
export {
  createSearcherTrainer, GrpoTrainer, latestCheckpoint, policyLoopOf, loadCheckpoint, microBatches, PpoTrainer,
  RL_PRESETS, rlConfig, saveCheckpoint, startRewardServer, trainSft, ValueHead, type ActionForward,
  type ActionSequence, type CheckpointParts, type ClippedPolicyLossInput,
  type ClippedPolicyLossResult, type ClippedValueLossInput, type CollectedRollouts,
  type CollectRolloutsOptions, type GaeOptions, type GaeResult, type GroupAdvantageOptions,
  type KlPenaltyKind, type LoadedCheckpoint, type RewardItem, type RewardItemDetail,
  type RewardResult, type RewardServerOptions, type RewardServiceOptions, type RlConfig,
  type RlPresetName, type RlStepMetrics, type Rollout, type RolloutReward, type RolloutRewardDetail,
  type RunningRewardServer, type SampledRollout, type SearcherTrainer, type SearcherTrainerOptions,
  type SearchSettings, type RolloutLoop, type ServedReward, type SftExample, type SftOptions, type SftStepMetrics,
  type StepResult, type TrainerState, type TrainingQuestion, type WhitenOptions,
} from './rl/index.js';
export {
  endToEndLabel, endToEndScores, evalRecordSchema, ownAnswerSchema, readerCheck, runEvaluation, scoreOwnAnswers, summarizeRecords, summaryRows, summaryTable,
  type BootstrapInterval, type EvalRecord, type EvaluationSummary, type GbrBaseline,
  type GbrBaselineInfo, type GbrSource, type OwnAnswer, type OwnAnswerItem, type ReaderCheckOptions, type ReaderCheckRow,
  type ReaderContext, type RunEvaluationOptions, type SummaryCell,
} from './eval/index.js';
export {
  BASELINE_RUNS, dataEfficiencyRows, dataEfficiencyVerdict, meanInterval, readBaselineEvaluation, rowScores, runBaselineComparison, TABLE1_ROWS, table1Rows, trainingCostRows,
  type BaselineEvaluation, type MethodCurve, type RunBaselineComparisonOptions, type Table1Row, type TrainedRun,
  buildLabDenseIndex, checkLabDenseIndex, LAB_DENSE_TOLERANCE, labGeneratorExamples, labResultRows, curveRows,
  labVerdict, learningCurveRows, searcherDemonstrations, trainLabSearcher, labRunProgressLine,
  LAB_RUN_FACTORS, LAB_RUN_FACTOR_NAMES, labRunFactorsSchema, labRunConfig, labRunOptions, rlOverrides,
  readGrid, parseGrid, expandGrid, runKey, runSweep, listSweep, SweepRunsFailed, sweepTableRows, sweepCsv,
  searcherScores, interval, typesOf, evaluateTransfer, transferTableRows,
  type LabRunFactor, type LabRunFactors, type SweepGrid, type SweepRun, type TransferWorld,
  type SweepOptions, type SweepSummary, type SweepRunState, type SweepRunResult, type SearcherScores, type TransferResult,
  type TransferSearcher, type TransferOptions,
  type BuildLabDenseIndexOptions, type CheckLabDenseIndexOptions, type LabDenseIndexCheck,
  type LabDenseIndexSource, type LabGeneratorDataOptions, type LabRunEvent, type LabRunOptions,
  type LabRunReport, type MethodScores, type CurvePoint, type ScriptVariant, type SearcherDemonstrationOptions,
  type SearcherDemonstrations,
} from './pipelines/index.js';
export {
  barChart, currentDisplaySink, display, displayProgress, displayProgressCallback, escapeHtml,
  htmlTable, isArqueroTable, isDisplayable, liveDisplay, markdown, plot, PLOTLY_MIME, plotlyDrawScript,
  plotlyLibrarySource, progressBundle, progressCallback, setDisplaySink, table, terminalProgress,
  terminalSink, toMimeBundle, type ArqueroRows, type BarChartOptions, type BundleContext,
  type Displayable, type DisplayHandle, type DisplayProgressOptions, type DisplaySink, type Figure,
  type HtmlTableOptions, type MimeBundle, type OnProgress, type PlotTrace, type Progress,
  type TerminalProgressOptions,
} from './display/index.js';
export {
  sideBySide, stopReason, transcriptView, type StopKind, type StopReason, type TranscriptDoc,
  type TranscriptSelection, type TranscriptStep, type TranscriptView, type TranscriptViewOptions,
} from './display/index.js';
export {
  cachedChatModel, cacheEntryPath, cacheKey, canonicalJson, ChatRequestError, LlmServerError,
  loadLocalChatModel, localChatModel, openAiChatModel, openChatModelSource, startLlmServer,
  workerChatModel, type CachedChatModel, type CacheOptions, type CacheStats, type ChatModel,
  type ChatModelMessage, type ChatModelSourceOptions, type ChatRequest, type ChatResponse,
  type ChatTokenizer, type CompletionRequest, type LlmServerOptions, type LoadLocalChatModelOptions,
  type LocalChatModel, type LocalChatModelOptions, type MicroBatcherOptions,
  type OpenAiChatModelOptions, type OpenedChatModel, type ResolvedSampling, type RunningLlmServer,
  type SamplingOptions, type WorkerChatModel, type WorkerChatModelOptions,
} from './llm/index.js';
