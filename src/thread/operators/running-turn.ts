import { CodexError } from '../../errors/codex-error.js';
import { turnLinkOf } from '../../state/turn-link.js';
import type { TurnLink } from '../../state/turn-link.js';

/**
 * The turn whose events are passing through an operator now: the turn the last linked event came
 * from, while it runs. Several turns may pass one after another (a `concatMap` over prompts); it
 * is always the latest.
 */
export class RunningTurn {
  private latest: TurnLink | undefined;

  /** Notes the turn `event` came from; returns it when it is a turn still running. */
  observe(event: unknown): TurnLink | undefined {
    const link = turnLinkOf(event);
    if (link) this.latest = link;
    return this.now;
  }

  /** The turn running now, if its events have been seen. */
  get now(): TurnLink | undefined {
    return this.latest && !this.latest.ended ? this.latest : undefined;
  }

  /** Whether any turn's event has passed. */
  get seen(): boolean {
    return this.latest !== undefined;
  }
}

/** The error of an operator whose source ended without one turn event for it to act on. */
export function noTurnUpstream(operator: string): CodexError {
  return new CodexError(
    `${operator}() saw no event of a thread.turn() to act on; use it where a turn's events flow (before a map that replaces them)`,
    { code: 'no_turn_upstream' },
  );
}
