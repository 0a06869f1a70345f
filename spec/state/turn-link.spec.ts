import { EMPTY } from 'rxjs';
import { linkToTurn, turnLinkOf } from '../../src/state/turn-link.js';
import type { TurnLink } from '../../src/state/turn-link.js';

const turn = (threadId: string): TurnLink => ({
  threadId,
  ended: false,
  steer: () => Promise.resolve(),
  interrupt: () => Promise.resolve(),
  requestEvents$: EMPTY,
});

describe('the link from an event to its turn', () => {
  it('leaves the event as parsed: no key, no difference to a copy, none in its JSON', () => {
    const text = '{"method":"item/agentMessage/delta","params":{"threadId":"th","delta":"x"}}';
    const event = JSON.parse(text) as object;
    linkToTurn(event, turn('th'));
    expect(Reflect.ownKeys(event)).toEqual(['method', 'params']);
    expect(JSON.stringify(event)).toBe(text);
    expect(event).toStrictEqual(JSON.parse(text));
  });

  it('goes with the object, not with copies of it, and the first turn to link it keeps it', () => {
    const event = { method: 'turn/started', params: {} };
    const first = turn('first');
    linkToTurn(event, first);
    linkToTurn(event, turn('second'));
    expect(turnLinkOf(event)).toBe(first);
    expect(turnLinkOf({ ...event })).toBeUndefined();
    expect(turnLinkOf(structuredClone(event))).toBeUndefined();
    expect(turnLinkOf({ method: 'turn/started', params: {} })).toBeUndefined();
  });

  it('links objects that take no new property too', () => {
    const frozen = Object.freeze({ method: 'turn/started', params: {} });
    const refusing = new Proxy(
      { method: 'turn/started' },
      { defineProperty: () => false, preventExtensions: () => true },
    );
    const link = turn('th');
    linkToTurn(frozen, link);
    linkToTurn(refusing, link);
    expect(turnLinkOf(frozen)).toBe(link);
    expect(turnLinkOf(refusing)).toBe(link);
  });

  it('is nothing for values that are not objects', () => {
    expect(turnLinkOf(undefined)).toBeUndefined();
    expect(turnLinkOf(null)).toBeUndefined();
    expect(turnLinkOf('turn/started')).toBeUndefined();
  });
});
