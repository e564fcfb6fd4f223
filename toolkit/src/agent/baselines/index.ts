export { noRetrieval } from './no-retrieval.js';
export { naiveRag } from './naive-rag.js';
export { searchR1, searchR1Prompt, SEARCH_R1_FEEDBACK } from './search-r1.js';
export { ircot, ircotPrompt, firstSentence } from './ircot.js';
export { searchO1, searchO1Prompt, reasonInDocumentsPrompt, condensedNotes, BEGIN_SEARCH_QUERY, END_SEARCH_QUERY, BEGIN_SEARCH_RESULT, END_SEARCH_RESULT } from './search-o1.js';
export { deepRetrieval, deepRetrievalPrompt, readRewrite } from './deep-retrieval.js';
export { generatorDocs, cutAfterFirst } from './common.js';
