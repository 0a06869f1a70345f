/**
 * One WebSocket frame as a server writes it (RFC 6455 §5.2): FIN, reserved bits and opcode in
 * `first` (0x81 is a whole text frame), the shortest length encoding, unmasked unless a masking
 * key is given (a server must not mask: that is for testing refusals).
 */
export function frame(first: number, payload: Buffer | string, mask?: Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = body.length;
  const maskBit = mask ? 0x80 : 0;
  const header =
    length < 126
      ? Buffer.from([first, maskBit | length])
      : length < 65_536
        ? Buffer.from([first, maskBit | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([first, maskBit | 127]), uint64(length)]);
  if (!mask) return Buffer.concat([header, body]);
  const masked = Buffer.from(body.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([header, mask, masked]);
}

function uint64(n: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(n));
  return out;
}
