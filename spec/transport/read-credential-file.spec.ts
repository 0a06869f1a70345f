import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { signedBearer } from '../../src/index.js';
import {
  MAX_CREDENTIAL_FILE_BYTES,
  readCredentialFile,
} from '../../src/transport/read-credential-file.js';

/**
 * Token and secret files (`tokenFile`, `addEnvironment({ tokenFile })`, `signedBearer({
 * secretFile })`) are read whole, and only when they can be a credential: a FIFO, a device or a
 * huge file is refused before a byte is read, so none can block the process or fill its memory.
 */
describe('readCredentialFile', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-credential-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a regular file whole, up to the bound', async () => {
    const file = path.join(dir, 'token');
    await writeFile(file, 'é'.repeat(MAX_CREDENTIAL_FILE_BYTES / 2));
    expect(await readCredentialFile(file)).toBe('é'.repeat(MAX_CREDENTIAL_FILE_BYTES / 2));
  });

  it('refuses a FIFO, a device, a folder and a file over the bound; passes errno codes on', async () => {
    const fifo = path.join(dir, 'fifo');
    await execa('mkfifo', [fifo]);
    const huge = path.join(dir, 'huge');
    await writeFile(huge, 'x'.repeat(MAX_CREDENTIAL_FILE_BYTES + 1));
    await expect(readCredentialFile(fifo)).rejects.toMatchObject({ code: 'not_a_file' });
    await expect(readCredentialFile('/dev/zero')).rejects.toMatchObject({ code: 'not_a_file' });
    await expect(readCredentialFile(dir)).rejects.toMatchObject({ code: 'not_a_file' });
    await expect(readCredentialFile(huge)).rejects.toMatchObject({ code: 'too_large' });
    await expect(readCredentialFile(path.join(dir, 'none'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('signedBearer({ secretFile }) on a FIFO fails at once, naming the file', async () => {
    const fifo = path.join(dir, 'secret-fifo');
    await execa('mkfifo', [fifo]);
    await expect(signedBearer({ secretFile: fifo })()).rejects.toThrow(
      `secretFile ${fifo} could not be read (not a regular file)`,
    );
  });
});
