/** The lab searcher: its architecture, the compact prompt it reads, its policy over a `TransformerLM`, and the directory format that makes it an evaluation method. */
export { LmSearcherPolicy, flattenRecord, type LmSearcherOptions, type SearcherTokens } from './lm-policy.js';
export { LAB_SEARCHER_CONFIG, labSearcherPrompt } from './lab-searcher.js';
export { labSearcherMethod, readLabSearcherInfo, writeLabSearcherInfo, LAB_SEARCHER_INFO_FILE, type LabSearcherInfo, type LabSearcherMethodOptions } from './method.js';
