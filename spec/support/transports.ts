/**
 * The transports the real-server suites run over: the same scenarios and assertions, only the
 * connection differs (`startRealCodex({ transport })`).
 */
export const TRANSPORTS = ['stdio', 'ws', 'unix'] as const;
