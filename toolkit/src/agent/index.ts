export {
  extractSelectedDocs,
  formatGeneratorContext,
  transcriptAfterStartMarker,
  SEARCHER_START_MARKER,
} from './selected-docs.js';
export type { SelectedDoc, ExtractSelectedDocsOptions } from './selected-docs.js';
export { selectedIds } from './selected-docs.js';
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
export * from './searcher/index.js';
export { runScriptedSearcher, scriptedPolicy, followUpQuery, queryTag } from './scripted/scripted-searcher.js';
export type { FollowUpQueryStyle, ScriptedSearcherOptions } from './scripted/scripted-searcher.js';
export { properNames } from './scripted/names.js';
export * from './baselines/index.js';
export { requireModel } from './method.js';
export type { ContextMethod, ContextMethodOptions } from './method.js';
export { CONTEXT_METHODS, contextMethods, s3Searcher, scriptedSearcher } from './methods.js';
export * from './lab-searcher/index.js';
