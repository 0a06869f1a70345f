/**
 * `codex-rx/testing`: run the real, pinned app-server against a scripted model in your own tests,
 * offline, with no account. See docs/testing.md.
 */
export { startScriptedCodex } from './scripted-codex.js';
export type { ScriptedCodex, ScriptedCodexOptions } from './scripted-codex.js';
export {
  ScriptedModelServer,
  ModelRequest,
  reply,
  item,
  echoResponder,
} from './scripted-model-server.js';
export type {
  ScriptedReply,
  SseEvent,
  Responder,
  ResponsesBody,
  InputItem,
  Usage,
} from './scripted-model-server.js';
export {
  createCodexHome,
  scriptedConfigToml,
  HERMETIC_FEATURES_OFF,
  HERMETIC_ENV,
} from './codex-home.js';
export type { CodexHome, CodexHomeOptions } from './codex-home.js';
