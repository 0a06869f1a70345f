import { SignJWT } from 'jose';
import { credentialReadFailure, readCredentialFile } from './read-credential-file.js';
import { CodexError } from '../errors/codex-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';

/** Options of {@link signedBearer}: the server's `--ws-shared-secret-file` secret and claims. */
export interface SignedBearerOptions {
  /** The shared secret, as in the server's `--ws-shared-secret-file`. */
  secret?: string | Uint8Array;
  /** A file holding it (read at each mint, so a rotated secret is picked up). */
  secretFile?: string;
  /** `iss`, when the server was started with `--ws-issuer`. */
  issuer?: string;
  /** `aud`, when the server was started with `--ws-audience`. */
  audience?: string;
  /** Lifetime of each token in seconds (default 300). */
  ttlSeconds?: number;
  /** `sub` claim, if wanted. */
  subject?: string;
}

/**
 * Makes the `bearer` function for `Codex.connect()` against a server started with
 * `--ws-auth signed-bearer-token`: each call mints a fresh HS256 JWT from the shared secret with
 * `iat`, `exp` (and `iss`, `aud`, `sub` when given), so every connect carries a token far from
 * its expiry.
 */
export function signedBearer(options: SignedBearerOptions): () => Promise<string> {
  if ((options.secret === undefined) === (options.secretFile === undefined))
    throw new InvalidInputError('secret', 'or secretFile: give exactly one', 'signedBearer');
  const ttl = options.ttlSeconds;
  if (ttl !== undefined && !Number.isFinite(ttl))
    throw new InvalidInputError(
      'ttlSeconds',
      `must be a number of seconds, got ${ttl}`,
      'signedBearer',
    );
  return async () => {
    const raw = options.secret ?? (await readSecret(options.secretFile!));
    if (raw.length === 0) throw new InvalidInputError('secret', 'is empty', 'signedBearer');
    const key = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
    let jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(`${options.ttlSeconds ?? 300}s`);
    if (options.issuer) jwt = jwt.setIssuer(options.issuer);
    if (options.audience) jwt = jwt.setAudience(options.audience);
    if (options.subject) jwt = jwt.setSubject(options.subject);
    return jwt.sign(key);
  };
}

/** The shared secret from its file (read at each mint), or an error naming the file, not its content. */
async function readSecret(file: string): Promise<string> {
  try {
    return (await readCredentialFile(file)).trim();
  } catch (error) {
    throw new CodexError(
      `signedBearer: secretFile ${file} could not be read (${credentialReadFailure(error)})`,
      { code: 'invalid_input', data: { secretFile: file }, cause: error },
    );
  }
}
