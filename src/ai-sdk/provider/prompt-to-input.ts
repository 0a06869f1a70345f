import type {
  LanguageModelV4FilePart,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4ToolResultOutput,
  SharedV4Warning,
} from '@ai-sdk/provider';
import type { DynamicToolCallOutputContentItem } from '../../protocol/generated/v2/DynamicToolCallOutputContentItem.js';
import type { UserInput } from '../../protocol/generated/v2/UserInput.js';
import type { DynamicToolResult } from '../../requests/dynamic-tool.js';

/** What a call's prompt becomes on the thread. */
export interface PromptInput {
  /** The system messages, joined (the thread's developer instructions when it starts). */
  system: string | undefined;
  /** The turn's input. */
  input: UserInput[];
  warnings: SharedV4Warning[];
}

const text = (value: string): UserInput => ({ type: 'text', text: value, text_elements: [] });

/** Where the messages that are new start: after the last assistant or tool message. */
function newFrom(messages: readonly LanguageModelV4Message[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const role = messages[i]!.role;
    if (role === 'assistant' || role === 'tool') return i + 1;
  }
  return 0;
}

/**
 * The prompt as a turn's input. On a continued thread (`continued`), the thread already holds the
 * history: only the user messages after the last assistant or tool message are sent. On a fresh
 * thread, the earlier messages go first, rendered as a transcript in one text input.
 */
export function promptToInput(prompt: LanguageModelV4Prompt, continued: boolean): PromptInput {
  const warnings: SharedV4Warning[] = [];
  const system = prompt
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const messages = prompt.filter((m) => m.role !== 'system');
  const start = newFrom(messages);
  const input: UserInput[] = [];
  if (!continued && start > 0) {
    const transcript = messages.slice(0, start).map(renderMessage).filter(Boolean).join('\n\n');
    if (transcript)
      input.push(text(`The conversation so far:\n\n${transcript}\n\nThe new message follows.\n\n`));
  }
  for (const message of messages.slice(start)) {
    if (message.role !== 'user') continue;
    for (const part of message.content) {
      if (part.type === 'text') input.push(text(part.text));
      else input.push(...fileInput(part, warnings));
    }
  }
  if (input.length === 0) input.push(text('Continue.'));
  return { system: system || undefined, input, warnings };
}

function renderMessage(message: LanguageModelV4Message): string {
  switch (message.role) {
    case 'system':
      return '';
    case 'user':
      return `User: ${message.content.map((p) => (p.type === 'text' ? p.text : `[file ${p.filename ?? p.mediaType}]`)).join('\n')}`;
    case 'assistant': {
      const parts = message.content.flatMap((p) => {
        if (p.type === 'text') return [p.text];
        if (p.type === 'tool-call') return [`[called ${p.toolName} ${safeJson(p.input)}]`];
        if (p.type === 'tool-result')
          return [`[${p.toolName} returned ${safeJson(outputValue(p.output))}]`];
        return [];
      });
      return parts.length ? `Assistant: ${parts.join('\n')}` : '';
    }
    case 'tool':
      return message.content
        .map((p) =>
          p.type === 'tool-result'
            ? `Tool ${p.toolName} returned: ${safeJson(outputValue(p.output))}`
            : `Tool call approval ${p.approvalId}: ${p.approved ? 'approved' : 'denied'}`,
        )
        .join('\n');
  }
}

function safeJson(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

function outputValue(output: LanguageModelV4ToolResultOutput): unknown {
  switch (output.type) {
    case 'execution-denied':
      return `denied${output.reason ? `: ${output.reason}` : ''}`;
    case 'content':
      return output.value.map((p) => (p.type === 'text' ? p.text : `[${p.type}]`)).join('\n');
    default:
      return output.value;
  }
}

function dataUrl(part: LanguageModelV4FilePart): string | undefined {
  const data = part.data;
  const mediaType = part.mediaType.includes('/') ? part.mediaType : `${part.mediaType}/png`;
  if (data.type === 'url') return data.url.toString();
  if (data.type === 'data') {
    const base64 =
      typeof data.data === 'string' ? data.data : Buffer.from(data.data).toString('base64');
    return `data:${mediaType};base64,${base64}`;
  }
  return undefined;
}

function fileInput(part: LanguageModelV4FilePart, warnings: SharedV4Warning[]): UserInput[] {
  if (part.mediaType.startsWith('image')) {
    const url = dataUrl(part);
    if (url) return [{ type: 'image', url }];
  }
  if (part.data.type === 'text') return [text(part.data.text)];
  warnings.push({
    type: 'unsupported',
    feature: `file part of type ${part.mediaType}`,
    details: 'Codex takes images and text; the file was left out',
  });
  return [];
}

/** A tool result from the prompt as what a dynamic tool call answers. */
export function toolResultOf(output: LanguageModelV4ToolResultOutput): DynamicToolResult {
  const failed = (value: string): DynamicToolResult => ({
    contentItems: [{ type: 'inputText', text: value }],
    success: false,
  });
  switch (output.type) {
    case 'text':
      return output.value;
    case 'json':
      return safeJson(output.value);
    case 'error-text':
      return failed(output.value);
    case 'error-json':
      return failed(safeJson(output.value));
    case 'execution-denied':
      return failed(`The user denied this call${output.reason ? `: ${output.reason}` : ''}.`);
    case 'content':
      return output.value.flatMap((p): DynamicToolCallOutputContentItem[] => {
        if (p.type === 'text') return [{ type: 'inputText', text: p.text }];
        if (p.type === 'file' && p.mediaType.startsWith('image')) {
          const url = dataUrl(p);
          if (url) return [{ type: 'inputImage', imageUrl: url }];
        }
        return [];
      });
  }
}
