import type { DynamicToolCallOutputContentItem } from '../protocol/generated/v2/DynamicToolCallOutputContentItem.js';
import type { DynamicToolCallResponse } from '../protocol/generated/v2/DynamicToolCallResponse.js';
import type { DynamicToolSpec } from '../protocol/generated/v2/DynamicToolSpec.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';

/** Where a tool call comes from. */
export interface ToolCallContext {
  readonly threadId: string;
  readonly turnId: string;
  readonly callId: string;
}

/** What a tool returns: text, content items (text, data-URL images or audio), or the full response. */
export type DynamicToolResult =
  string | readonly DynamicToolCallOutputContentItem[] | DynamicToolCallResponse;

/**
 * A tool the agent can call, implemented in your process. Declared to the server when the thread
 * starts (`startThread(params, { tools })`); each call runs `execute`.
 */
export interface DynamicTool<Args = unknown> {
  /** The function name the model calls. */
  readonly name: string;
  /** What the tool does, for the model. */
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
  /**
   * Runs a call. A thrown error becomes the tool's error output (`success: false`, with the
   * message); the turn goes on.
   */
  execute(args: Args, context: ToolCallContext): DynamicToolResult | Promise<DynamicToolResult>;
}

/** Declares a tool with typed arguments (an identity function that helps inference). */
export function defineTool<Args>(tool: DynamicTool<Args>): DynamicTool<Args> {
  return tool;
}

/** The protocol's declaration of the given tools. */
export function toolSpecs(tools: readonly DynamicTool<never>[]): DynamicToolSpec[] {
  const names = new Set<string>();
  return tools.map((tool, index) => {
    if (typeof tool?.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(tool.name)) {
      throw new InvalidInputError(
        `tools[${index}].name`,
        'must be 1-64 letters, digits, _ or -',
        'thread/start',
      );
    }
    if (names.has(tool.name))
      throw new InvalidInputError(`tools[${index}].name`, `repeats ${tool.name}`, 'thread/start');
    names.add(tool.name);
    if (typeof tool.execute !== 'function') {
      throw new InvalidInputError(`tools[${index}].execute`, 'must be a function', 'thread/start');
    }
    return {
      type: 'function',
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema as never,
    };
  });
}

/** Normalises what `execute` returned into the protocol's response. */
export function toToolResponse(result: DynamicToolResult): DynamicToolCallResponse {
  if (typeof result === 'string')
    return { contentItems: [{ type: 'inputText', text: result }], success: true };
  if (Array.isArray(result))
    return { contentItems: [...(result as DynamicToolCallOutputContentItem[])], success: true };
  return result as DynamicToolCallResponse;
}

/** The error output for a tool that threw. */
export function toolErrorResponse(error: unknown): DynamicToolCallResponse {
  const message = error instanceof Error ? error.message : String(error);
  return { contentItems: [{ type: 'inputText', text: `Error: ${message}` }], success: false };
}
