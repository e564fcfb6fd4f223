export { noRetrieval } from './no-retrieval.js';
export { naiveRag } from './naive-rag.js';
export { runSearchR1, searchR1Prompt, SEARCH_R1_FEEDBACK, SEARCH_R1_SETTINGS, SEARCH_R1_STOP_AFTER, type RunSearchR1Options } from './search-r1.js';
export { searchR1 } from './search-r1-method.js';
export { ircot, ircotPrompt, firstSentence } from './ircot.js';
export { searchO1, searchO1Prompt, reasonInDocumentsPrompt, condensedNotes, BEGIN_SEARCH_QUERY, END_SEARCH_QUERY, BEGIN_SEARCH_RESULT, END_SEARCH_RESULT } from './search-o1.js';
export { DEEP_RETRIEVAL_STOP_AFTER, deepRetrievalPrompt, readRewrite, runDeepRetrieval, type RunDeepRetrievalOptions } from './deep-retrieval.js';
export { deepRetrieval } from './deep-retrieval-method.js';
export { generatorDocs, cutAfterFirst } from './common.js';
