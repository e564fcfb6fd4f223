/**
 * Language models behind one interface, `ChatModel`: an OpenAI-compatible HTTP client (vLLM,
 * SGLang, llama.cpp, hosted APIs), a local model (ONNX Runtime or tfjs), an on-disk response
 * cache that wraps either, and an OpenAI-compatible server (`s3lab serve llm`) that puts a local
 * model behind HTTP.
 *
 * @example
 * ```ts
 * import { cachedChatModel, loadLocalChatModel, openAiChatModel, startLlmServer } from '@s3lab/toolkit';
 * const local = await loadLocalChatModel('test/fixtures/lm/tiny-chat');
 * const server = await startLlmServer({ model: local });
 * const generator = cachedChatModel(openAiChatModel({ baseUrl: `${server.url}/v1`, model: server.name }), { dir: '/tmp/s3lab-llm-cache' });
 * const [answer] = await generator.chat([{ messages: [{ role: 'user', content: 'Who founded Cuga Records?' }], maxTokens: 16 }]);
 * console.log(answer?.text, generator.stats); // a second run prints the same text with { hits: 1, misses: 0 }
 * await server.close();
 * local.dispose();
 * ```
 */
// `ChatMessage` is also the tokenizer's (looser) message type, exported by models/: this one goes by its own name.
export type { ChatMessage as ChatModelMessage, ChatModel, ChatRequest, ChatResponse, CompletionRequest, SamplingOptions } from './types.js';
export { DEFAULT_SAMPLING, ChatRequestError, resolveChatRequest, resolveCompletionRequest, firstStopIndex, type ResolvedSampling } from './sampling.js';
export { openAiChatModel, LlmServerError, type OpenAiChatModelOptions } from './openai.js';
export { localChatModel, loadLocalChatModel, type LocalChatModel, type LocalChatModelOptions, type LoadLocalChatModelOptions, type ChatTokenizer } from './local.js';
export { workerChatModel, type WorkerChatModel, type WorkerChatModelOptions } from './worker-chat-model.js';
export { cachedChatModel, cacheKey, cacheEntryPath, type CachedChatModel, type CacheOptions, type CacheStats } from './cache.js';
export { startLlmServer, type LlmServerOptions, type RunningLlmServer } from './server.js';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batch.js';
export { canonicalJson } from './canonical-json.js';
export { openChatModelSource, type ChatModelSourceOptions, type OpenedChatModel } from './open-source.js';
