/** The lab searcher: its architecture, the compact prompt it reads, its policy over a causal LM, its directory loaded in process, and that directory as a method. */
export { LmSearcherPolicy, flattenRecord, type LmSearcherOptions, type SearcherTokens } from './lm-policy.js';
export { LAB_METHODS, LAB_SEARCHER_CONFIG, SHIPPED_LAB_MODELS, labDeepRetrievalPrompt, labSearcherPrompt, labSearchR1Prompt, type LabMethod } from './lab-searcher.js';
export { labPolicyLoop, type PolicyLoop, type PolicyLoopSettings } from './policy-loop.js';
export { LAB_SEARCHER_INFO_FILE, readLabSearcherInfo, writeLabSearcherInfo, loadLabSearcher, isLabSearcher, labMethodOf, requireLabMethod, runLabSearcher, type LabSearcher, type LabSearcherInfo, type LoadLabSearcherOptions, type RunLabSearcherOptions } from './loaded.js';
export { labSearcherMethod, type LabSearcherMethodOptions } from './method.js';
