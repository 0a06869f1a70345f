import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** The most a credential file may hold: a token or a signing secret is far shorter. */
export const MAX_CREDENTIAL_FILE_BYTES = 64 * 1024;

/**
 * Reads a credential file (a token, a signing secret) as UTF-8, refusing what cannot be one
 * before reading it: anything but a regular file (a FIFO would block the read until a writer
 * comes, past every timeout, in a thread-pool thread nothing can interrupt and that keeps the
 * process from exiting; a device such as /dev/zero never ends), or a file over
 * {@link MAX_CREDENTIAL_FILE_BYTES}. A refusal or a failed read rejects with an error whose
 * `code` says why (`ENOENT`, `EACCES`, `not_a_file`, `too_large`); nothing of the content.
 */
export async function readCredentialFile(file: string): Promise<string> {
  // Non-blocking: opening a FIFO does not wait for a writer (fstat then refuses it).
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw refusal('not_a_file');
    const buffer = Buffer.alloc(MAX_CREDENTIAL_FILE_BYTES + 1);
    let length = 0;
    // Read to the end, whatever size the file claims (a file may grow, or report 0).
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CREDENTIAL_FILE_BYTES) throw refusal('too_large');
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

function refusal(code: 'not_a_file' | 'too_large'): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(
    code === 'not_a_file'
      ? 'not a regular file'
      : `larger than ${MAX_CREDENTIAL_FILE_BYTES} bytes, too large for a credential`,
  );
  error.code = code;
  return error;
}

/** Why {@link readCredentialFile} failed, for a message: the errno code, or the refusal. */
export function credentialReadFailure(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === 'not_a_file' || code === 'too_large') return message;
  return code ?? String(error);
}
