/**
 * The pinned protocol's types, flat. Where the legacy root set and v2 share a name, v2 (the
 * current protocol) wins; `tsc` flags any new clash after `npm run generate`.
 */
export type * from './generated/index.js';
export type * from './generated/v2/index.js';
export type {
  ExecPolicyAmendment,
  NetworkPolicyAmendment,
  NetworkPolicyRuleAction,
  SessionSource,
  WebSearchAction,
} from './generated/v2/index.js';
