/**
 * The web chat's page: the AI SDK's `useChat` against examples/web-chat/server.ts. Streaming text,
 * commands with their output, file diffs, approvals (Allow / Deny), stop, steer, token usage.
 * The session cookie the server set on the page goes with every request (same origin).
 */
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses } from 'ai';
import type { DynamicToolUIPart, UIMessage } from 'ai';
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { createRoot } from 'react-dom/client';

/** This tab's chat id: kept across reloads, different in another tab. */
function chatId(): string {
  let id = sessionStorage.getItem('codex-rx-chat');
  if (!id) {
    id = crypto.randomUUID();
    sessionStorage.setItem('codex-rx-chat', id);
  }
  return id;
}

const post = (path: string, body: unknown) =>
  fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/**
 * The command as the agent wrote it: the server reports it wrapped for the shell
 * (`/bin/bash -lc "printf 'a\\n'"`), with the script's backslashes, quotes and `$` escaped.
 */
function shownCommand(command: string): string {
  const wrapped = /^\S*\b(?:bash|zsh|sh) -l?c "((?:[^"\\]|\\.)*)"$/s.exec(command);
  return wrapped ? wrapped[1]!.replace(/\\([\\"$`])/g, '$1') : command;
}

function Tool({
  part,
  answer,
}: {
  part: DynamicToolUIPart;
  answer: (id: string, approved: boolean) => void;
}) {
  const input = part.input as { command?: string; changes?: Array<{ path: string }> } | undefined;
  const title =
    part.toolName === 'commandExecution'
      ? `$ ${shownCommand(input?.command ?? '')}`
      : part.toolName === 'fileChange'
        ? `edit ${input?.changes?.map((c) => c.path).join(', ') ?? ''}`
        : part.toolName;
  const output =
    part.state === 'output-available' ? (part.output as Record<string, unknown>) : undefined;
  return (
    <details className="tool" data-state={part.state} open>
      <summary>{title}</summary>
      {part.state === 'approval-requested' && (
        <div className="approval">
          Allow this? {part.approval.requestReason ?? ''}{' '}
          <button onClick={() => answer(part.approval.id, true)}>Allow</button>{' '}
          <button onClick={() => answer(part.approval.id, false)}>Deny</button>
        </div>
      )}
      {part.state === 'output-denied' && <p className="denied">Denied.</p>}
      {part.state === 'output-error' && <p className="status">{part.errorText}</p>}
      {output && typeof output.output === 'string' && (
        <pre className="output">
          {output.output}
          {typeof output.exitCode === 'number' ? `\n(exit ${output.exitCode})` : ''}
        </pre>
      )}
      {output && Array.isArray(output.changes) && (
        <pre className="diff">
          {(output.changes as Array<{ path: string; diff: string }>)
            .map((c) => `${c.path}\n${c.diff}`)
            .join('\n')}
        </pre>
      )}
    </details>
  );
}

/** The answer's own tokens: the turn's (`turn`), not the thread's running total (`total`). */
function turnTokens(message: UIMessage): number | undefined {
  const part = message.parts.findLast((p) => p.type === 'data-usage');
  const usage = part && 'data' in part ? (part.data as { turn?: { totalTokens?: unknown } }) : {};
  return typeof usage.turn?.totalTokens === 'number' ? usage.turn.totalTokens : undefined;
}

function Message({
  message,
  tokens,
  answer,
}: {
  message: UIMessage;
  tokens: number | undefined;
  answer: (id: string, approved: boolean) => void;
}) {
  return (
    <div className={`message ${message.role}`} data-role={message.role}>
      {message.parts.map((part, i) => {
        switch (part.type) {
          case 'text':
            return (
              <p key={i} className="text">
                {part.text}
              </p>
            );
          case 'reasoning':
            return (
              <details key={i} className="reasoning">
                <summary>Thinking</summary>
                {part.text}
              </details>
            );
          case 'dynamic-tool':
            return <Tool key={i} part={part} answer={answer} />;
          case 'data-status': {
            const status = (part.data as { status: string }).status;
            return status === 'completed' ? null : (
              <p key={i} className="status">
                {status}
              </p>
            );
          }
          default:
            return null;
        }
      })}
      {tokens !== undefined && <p className="usage">{tokens} tokens</p>}
    </div>
  );
}

function Chat({ id, initial }: { id: string; initial: UIMessage[] }) {
  const { messages, setMessages, sendMessage, status, addToolApprovalResponse, error } = useChat({
    id,
    messages: initial,
    transport: new DefaultChatTransport({ api: '/api/chat' }),
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
  });
  const [input, setInput] = useState('');
  const [steer, setSteer] = useState('');
  const busy = status === 'streaming' || status === 'submitted';
  const awaitingApproval = messages
    .at(-1)
    ?.parts.some((part) => part.type === 'dynamic-tool' && part.state === 'approval-requested');
  const end = useRef<HTMLDivElement>(null);
  // The newest message stays in view as it grows.
  useEffect(() => {
    // In a block: newer Chromium's scrollIntoView returns a promise, which React would take
    // for the effect's cleanup.
    end.current?.scrollIntoView({ block: 'end' });
  }, [messages, status]);
  const answer = (approvalId: string, approved: boolean) =>
    void addToolApprovalResponse({ id: approvalId, approved });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!input.trim()) return;
    void sendMessage({ text: input });
    setInput('');
  };
  const sendSteer = (event: FormEvent) => {
    event.preventDefault();
    if (!steer.trim()) return;
    const text = steer;
    setSteer('');
    void post('/api/steer', { id, text }).then((response) => {
      // Shown where a reload shows it: among the turn's user messages, before its answer.
      if (!response.ok) return;
      setMessages((all) => [
        ...all.slice(0, -1),
        { id: `steer-${crypto.randomUUID()}`, role: 'user', parts: [{ type: 'text', text }] },
        ...all.slice(-1),
      ]);
    });
  };
  return (
    <main data-status={status}>
      <h1>codex-rx web chat</h1>
      {messages.map((message) => (
        <Message key={message.id} message={message} tokens={turnTokens(message)} answer={answer} />
      ))}
      {busy && (
        <p className="streaming" aria-live="polite">
          The agent is working…
        </p>
      )}
      {error && <p className="status error">{errorText(error)}</p>}
      {awaitingApproval && (
        <p className="reason">Answer the approval above (Allow or Deny) to continue.</p>
      )}
      <form onSubmit={submit}>
        <input
          name="prompt"
          value={input}
          placeholder="Ask the agent (try: run the build, delete old notes, a slow answer)"
          onChange={(e) => setInput(e.target.value)}
        />
        <button
          type="submit"
          disabled={busy || awaitingApproval}
          title={awaitingApproval ? 'Answer the approval first' : undefined}
        >
          Send
        </button>
        <button
          type="button"
          name="stop"
          disabled={!busy}
          onClick={() => void post('/api/stop', { id })}
        >
          Stop
        </button>
      </form>
      {busy && (
        <form onSubmit={sendSteer}>
          <input
            name="steer"
            value={steer}
            placeholder="Steer the running turn"
            onChange={(e) => setSteer(e.target.value)}
          />
          <button type="submit">Steer</button>
        </form>
      )}
      <div ref={end} />
    </main>
  );
}

/** A refusal's message: the route answers with `{ error: { message } }`, the AI SDK raises its text. */
function errorText(error: Error): string {
  try {
    const body = JSON.parse(error.message) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // Not a JSON body: the message as it is.
  }
  return error.message;
}

function App() {
  const [id] = useState(chatId);
  const [initial, setInitial] = useState<UIMessage[] | undefined>();
  useEffect(() => {
    void fetch(`/api/history?id=${encodeURIComponent(id)}`)
      .then((response) => response.json() as Promise<UIMessage[]>)
      .then(setInitial, () => setInitial([]));
  }, [id]);
  return initial ? <Chat id={id} initial={initial} /> : <p>Loading…</p>;
}

createRoot(document.getElementById('root')!).render(<App />);
