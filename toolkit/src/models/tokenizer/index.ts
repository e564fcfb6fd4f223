export {
  loadTokenizer, type TextTokenizer, type TokenizedText, type TokenizerOptions, type EncodeOptions, type DecodeOptions,
} from './tokenizer.js';
export { renderChatTemplate, writeChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat-template.js';
export { QWEN25_CHAT_TEMPLATE, QWEN25_CHAT_TEMPLATE_SHA256, QWEN25_DEFAULT_SYSTEM_PROMPT } from './qwen-chat-template.js';
export { SPECIAL_TOKEN_NAMES, type SpecialTokenName } from './tokenizer-config.js';
export { byteLevelAlphabet } from './byte-level.js';
export { trainLabTokenizer, firstMerges, LAB_SPECIAL_TOKENS, type TrainLabTokenizerOptions, type TrainedTokenizer } from './train.js';
