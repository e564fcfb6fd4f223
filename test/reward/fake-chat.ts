// A scripted ChatModel for tests: answers each request with `reply(request)` and records every call.
import type { ChatModel, ChatRequest, ChatResponse, CompletionRequest } from '@s3lab/toolkit';

export interface FakeChat extends ChatModel {
  /** Each `chat` call's requests, in order. */
  calls: ChatRequest[][];
}

export function fakeChat(name: string, reply: (request: ChatRequest) => string): FakeChat {
  const calls: ChatRequest[][] = [];
  const respond = (text: string): ChatResponse => ({ text, finishReason: 'stop', usage: { promptTokens: 10, completionTokens: 2 }, cached: false });
  return {
    name,
    calls,
    chat: async (requests: readonly ChatRequest[]) => {
      calls.push([...requests]);
      return requests.map((r) => respond(reply(r)));
    },
    complete: async (requests: readonly CompletionRequest[]) => requests.map(() => respond('')),
  };
}

/** The user message of a generator/judge request. */
export function userText(request: ChatRequest): string {
  return request.messages.find((m) => m.role === 'user')?.content ?? '';
}

/** The system message of a generator request. */
export function systemText(request: ChatRequest): string {
  return request.messages.find((m) => m.role === 'system')?.content ?? '';
}
