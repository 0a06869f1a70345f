import type { EnvironmentLostPolicy } from '../errors/environment-lost-error.js';
import type { DynamicTool } from '../requests/dynamic-tool.js';
import type { ServerRequestHandlers } from '../requests/server-request-handlers.js';

/** The SDK's options for a thread, beside the protocol's `thread/start` / `resume` / `fork` params. */
export interface ThreadOptions {
  /** How this thread's server requests are answered (over the client's handlers). */
  handlers?: ServerRequestHandlers;
  /**
   * Tools the agent may call on this thread, run in this process. `startThread` declares them to
   * the server (`dynamicTools`); on `resumeThread`/`forkThread`, give the same tools again to run
   * their calls.
   */
  tools?: readonly DynamicTool<never>[];
  /** What this thread's turns do when their environment (executor) is lost (default `'fail'`). */
  onEnvironmentLost?: EnvironmentLostPolicy;
}
