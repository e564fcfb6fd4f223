/** The lab searcher: its architecture, the compact prompt it reads, its policy over a causal LM, its directory loaded in process, and that directory as a method. */
export { LmSearcherPolicy, flattenRecord, type LmSearcherOptions, type SearcherTokens } from './lm-policy.js';
export { LAB_SEARCHER_CONFIG, labSearcherPrompt } from './lab-searcher.js';
export { LAB_SEARCHER_INFO_FILE, readLabSearcherInfo, writeLabSearcherInfo, loadLabSearcher, isLabSearcher, runLabSearcher, type LabSearcher, type LabSearcherInfo, type LoadLabSearcherOptions, type RunLabSearcherOptions } from './loaded.js';
export { labSearcherMethod, type LabSearcherMethodOptions } from './method.js';
