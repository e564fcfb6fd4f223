export { buildSearcherPrompt } from './prompt.js';
export type { SearcherPromptOptions } from './prompt.js';
export { parseSearcherResponse, S3_STOP_AFTER } from './parse.js';
export type { ParsedSearcherResponse, ParseSearcherOptions, SearcherAction } from './parse.js';
export { INVALID_ACTION_FEEDBACK } from './environment.js';
export { modelPolicy } from './policy.js';
export type { SearcherPolicy, SearcherState, PolicyOutput, PolicyState, ModelPolicyOptions, TurnPolicy } from './policy.js';
export { runSearchLoop, runSearcher } from './loop.js';
export type { SearchLoopOptions, RunSearcherOptions } from './loop.js';
