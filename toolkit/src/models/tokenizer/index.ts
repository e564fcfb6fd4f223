export { loadTokenizer, type TextTokenizer, type TokenizedText, type TokenizerOptions } from './tokenizer.js';
