/**
 * The ACK prompt's rule, on a stand-in socket: one pong per event-loop turn that brought
 * messages; none once the socket is not open, and none while earlier bytes still wait to be sent
 * (a peer that stops reading must not make pongs pile up). The wire behaviour against a peer is
 * in websocket-transport.spec.ts.
 */
import { EventEmitter } from 'node:events';
import { promptAcks } from '../../src/transport/prompt-acks.js';

class StandIn extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  pongs = 0;
  pong(): void {
    this.pongs++;
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('promptAcks', () => {
  it('sends one pong after a turn of the loop with messages in it, and one per later turn', async () => {
    const socket = new StandIn();
    promptAcks(socket);
    for (let i = 0; i < 5; i++) socket.emit('message');
    expect(socket.pongs).toBe(0);
    await nextTurn();
    expect(socket.pongs).toBe(1);
    await nextTurn();
    expect(socket.pongs).toBe(1);
    socket.emit('message');
    await nextTurn();
    expect(socket.pongs).toBe(2);
  });

  it('sends none while bytes wait to be sent: a peer that stops reading gets no pile of pongs', async () => {
    const socket = new StandIn();
    promptAcks(socket);
    socket.bufferedAmount = 6;
    for (let i = 0; i < 100; i++) {
      socket.emit('message');
      await nextTurn();
    }
    expect(socket.pongs).toBe(0);
    socket.bufferedAmount = 0;
    socket.emit('message');
    await nextTurn();
    expect(socket.pongs).toBe(1);
  });

  it('sends none once the socket is closing or closed, even for messages of that same turn', async () => {
    const socket = new StandIn();
    promptAcks(socket);
    socket.emit('message');
    socket.readyState = 2;
    await nextTurn();
    socket.readyState = 3;
    socket.emit('message');
    await nextTurn();
    expect(socket.pongs).toBe(0);
  });
});
