export {
  extractSelectedDocs,
  formatGeneratorContext,
  transcriptAfterStartMarker,
  SEARCHER_START_MARKER,
} from './selected-docs.js';
export type { SelectedDoc, ExtractSelectedDocsOptions } from './selected-docs.js';
export { selectedIds, matchSelections, type SelectionMatch } from './selected-docs.js';
export { resolvePreset, searcherPresetSchema } from './presets.js';
export type { SearcherPreset } from './presets.js';
export { toRetrievedDoc, plainTitle, formatDocLines, informationObservation } from './doc-lines.js';
export type { RetrievedDoc } from './doc-lines.js';
export { trajectorySchema, turnSchema, issueSchema, retrievedDocSchema, TURN_ACTIONS, saveTrajectories, loadTrajectories, showTrajectory } from './trajectory.js';
export type { Trajectory, Turn, Issue } from './trajectory.js';
export { replayTrajectory, trajectoryTranscript } from './replay.js';
export type { Replay } from './replay.js';
export { generateContinuations } from './model-call.js';
export type { GenerationSettings, Generated } from './model-call.js';
export {
  buildSearcherPrompt, INVALID_ACTION_FEEDBACK, modelPolicy, parseSearcherResponse, runSearcher, S3_STOP_AFTER,
  runSearchLoop, type ModelPolicyOptions, type ParsedSearcherResponse, type ParseSearcherOptions,
  type PolicyOutput, type PolicyState, type RunSearcherOptions, type SearcherAction, type SearcherPolicy, type TurnPolicy,
  type SearcherPromptOptions, type SearcherState, type SearchLoopOptions,
} from './searcher/index.js';
export { runScriptedSearcher, scriptedPolicy, followUpQuery, queryTag } from './scripted/scripted-searcher.js';
export type { FollowUpQueryStyle, ScriptedSearcherOptions } from './scripted/scripted-searcher.js';
export { properNames } from './scripted/names.js';
export {
  BEGIN_SEARCH_QUERY, BEGIN_SEARCH_RESULT, condensedNotes, cutAfterFirst, DEEP_RETRIEVAL_STOP_AFTER, deepRetrieval,
  deepRetrievalPrompt, END_SEARCH_QUERY, END_SEARCH_RESULT, firstSentence, generatorDocs, ircot,
  ircotPrompt, naiveRag, noRetrieval, readRewrite, reasonInDocumentsPrompt, runDeepRetrieval, runSearchR1, SEARCH_R1_FEEDBACK,
  SEARCH_R1_SETTINGS, SEARCH_R1_STOP_AFTER, searchO1, searchO1Prompt, searchR1, searchR1Prompt,
  type RunDeepRetrievalOptions, type RunSearchR1Options,
} from './baselines/index.js';
export { requireRetriever, requireChatSearcher } from './method.js';
export type { Method, MethodEnv, MethodNeeds, SearcherModel } from './method.js';
export { registerMethod, unregisterMethod, getMethod, hasMethod, methodNames, listMethods } from './registry.js';
export { runTurns } from './turns.js';
export type { TurnProtocol, TurnRun, TurnStep, RunTurnsOptions } from './turns.js';
export { s3Searcher } from './searcher/method.js';
export { scriptedSearcher } from './scripted/method.js';
export {
  flattenRecord, isLabSearcher, LAB_METHODS, SHIPPED_LAB_MODELS, LAB_SEARCHER_CONFIG, LAB_SEARCHER_INFO_FILE, labDeepRetrievalPrompt, labMethodOf, labPolicyLoop, labSearcherMethod,
  labSearcherPrompt, labSearchR1Prompt, LmSearcherPolicy, loadLabSearcher, readLabSearcherInfo, requireLabMethod, runLabSearcher,
  type LabMethod, type PolicyLoop, type PolicyLoopSettings,
  writeLabSearcherInfo, type LabSearcher, type LabSearcherInfo, type LabSearcherMethodOptions,
  type LmSearcherOptions, type LoadLabSearcherOptions, type RunLabSearcherOptions,
  type SearcherTokens,
} from './lab-searcher/index.js';
