/**
 * Turns recorded from the real app-server with the scripted model (scripts/record-state-fixtures.ts):
 * what `toTurnState()` is fed, in arrival order, and the server's stored copy of the turn.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { StateEvent, Turn } from '../../src/index.js';

export interface StateFixture {
  readonly name: string;
  readonly events: StateEvent[];
  readonly stored: Turn;
}

// Jest runs from the repository root.
const folder = path.resolve('spec/fixtures/state');

/** One recorded turn by name (`message`, `command-output`, `approval-accepted`, …). */
export function stateFixture(name: string): StateFixture {
  return JSON.parse(readFileSync(path.join(folder, `${name}.json`), 'utf8')) as StateFixture;
}

/** Every recorded turn. */
export function allStateFixtures(): StateFixture[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => stateFixture(file.slice(0, -'.json'.length)));
}

/** Whether `value` is plain data: objects of `Object.prototype`, arrays, strings, numbers, booleans, null. */
export function isPlainData(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (Array.isArray(value)) return value.every(isPlainData);
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      return Object.values(value).every((v) => v === undefined || isPlainData(v));
    default:
      return false;
  }
}
