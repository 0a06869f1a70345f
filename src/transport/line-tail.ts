/**
 * Keeps the last `capacity` lines of a byte stream (stderr), so errors can quote what the server
 * said last without holding all of it.
 */
export class LineTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly capacity: number) {}

  /** Adds a chunk; calls `onLine` for each completed line. */
  push(chunk: Buffer | string, onLine?: (line: string) => void): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) this.add(raw.replace(/\r$/, ''), onLine);
  }

  /** The kept lines, oldest first, including an unterminated last line. */
  snapshot(): string[] {
    const out = [...this.lines];
    if (this.partial) out.push(this.partial);
    return out.slice(-this.capacity);
  }

  private add(line: string, onLine?: (line: string) => void): void {
    if (!line.trim()) return;
    onLine?.(line);
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }
}
