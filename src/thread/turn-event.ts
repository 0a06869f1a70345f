import type { CodexNotification } from '../protocol/methods.js';

/**
 * A notification that belongs to one turn: it carries the turn's id as `params.turnId`, or
 * `params.turn.id` for `turn/started` and `turn/completed`. Discriminated by `method`.
 */
export type TurnEvent = Extract<
  CodexNotification,
  { params: { turnId: string } } | { params: { turn: { id: string } } }
>;

/** The turn event whose method is `M`. */
export type TurnEventOf<M extends TurnEvent['method']> = Extract<TurnEvent, { method: M }>;
