/**
 * Where the message being delivered sits in the transport's decoded text: `text.slice(start, end)`
 * is its JSON. One object per reader, updated in place for each message and valid only while that
 * message is being delivered (copy the fields, not the object). It lets a consumer keep a message
 * as three numbers and a shared string instead of a parsed object graph.
 */
export interface WireLine {
  /** Changes whenever `text` is a different string: compare it instead of the (long) strings. */
  readonly chunk: number;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /**
   * The message's own UTF-8 bytes, where the transport reads each message by itself (a WebSocket
   * frame, whose `text` is that message alone). Unlike this object, they stay valid: nothing
   * writes to that memory again.
   */
  readonly bytes?: Buffer | undefined;
}
