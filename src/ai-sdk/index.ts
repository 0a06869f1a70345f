/**
 * `codex-rx/ai-sdk`: codex-rx turns as the AI SDK's UI message stream, for `useChat` pages,
 * assistant-ui, or any client of that protocol. Needs the `ai` package (an optional peer
 * dependency of codex-rx). See docs/web.md.
 */
export { toUIMessageStream } from './to-ui-message-stream.js';
export type { ToUIMessageStreamOptions } from './to-ui-message-stream.js';
export { UIChunkWriter } from './ui-chunk-writer.js';
export {
  toUIMessageStreamResponse,
  pipeUIMessageStreamToNodeResponse,
  toReadableStream,
} from './ui-message-stream-response.js';
export { CodexChat, chatErrorBody } from './codex-chat.js';
export type { ChatRefusal, ChatRequestBody } from './codex-chat.js';
export { createCodexProvider } from './provider/create-codex-provider.js';
export type { CodexProvider } from './provider/create-codex-provider.js';
export { CodexLanguageModel } from './provider/codex-language-model.js';
export type {
  CodexModelSettings,
  CodexProviderOptions,
  CodexThreadSource,
} from './provider/codex-provider-options.js';
