export { normalizeAnswer, splitLikePython, stripLikePython, PYTHON_WHITESPACE_CLASS } from './normalize.js';
export { simpleTokenize } from './simple-tokenizer.js';
export { analyze, tokenizeWords, ENGLISH_STOP_WORDS } from './analyzer.js';
export { standardTokenize, MAX_TOKEN_LENGTH } from './standard-tokenizer.js';
export { porterStem } from './porter-stemmer.js';
