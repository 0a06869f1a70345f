import type { FullLogger, Logger } from '../logger.js';

/** Request-param field names whose string values are credentials (`apiKey`, `accessToken`, …). */
const SECRET_FIELD =
  /(api[_-]?key|access[_-]?token|refresh[_-]?token|id[_-]?token|secret|passw(or)?d|session[_-]?token|^token$|bearer|authorization|credential|private[_-]?key|cookie)/i;
/**
 * Environment variable names whose values are credentials: `*TOKEN*`, `*KEY*`, `*SECRET*`,
 * `*PASSWORD*` / `*PASSWD*` / `*PASSPHRASE*`, `*CREDENTIAL*`, `*AUTH*` (not `*AUTHORITY*` nor
 * `SSH_AUTH_SOCK`, which name files), `*COOKIE*`, `*PRIVATE*`. Broad on purpose: redacting a
 * harmless value costs a `[redacted]` in a log line; missing a key costs the key.
 */
const SECRET_ENV =
  /(token|key|secret|pass(word|wd|phrase)|credential|auth(?!ority|_sock)|cookie|private)/i;
/** Shorter values are too likely to occur by chance in ordinary text to redact safely. */
const MIN_SECRET_LENGTH = 8;
const MASK = '[redacted]';

/** Whether the environment variable `name` holds a credential, by codex-rx's rule. */
export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV.test(name);
}

/**
 * Remembers the credentials the client sends (API keys, tokens) and removes them from anything
 * it reports: log lines, error messages, quoted stderr. A key passed to `loginApiKey` or in `env`
 * must not come back out in an error a user pastes into an issue tracker.
 */
export class SecretRedactor {
  // A private field: `util.inspect` and `JSON.stringify` of anything holding a redactor must not
  // list what it redacts.
  readonly #secrets = new Set<string>();

  /** Remembers the string fields of `value` (request params) whose names look secret, recursively. */
  collect(value: unknown, depth = 0): void {
    if (depth > 8 || value === null || typeof value !== 'object') return;
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
      if (typeof field === 'string') {
        if (SECRET_FIELD.test(key)) this.add(field);
      } else {
        this.collect(field, depth + 1);
      }
    }
  }

  /** Remembers the values of the variables in `env` whose names look secret ({@link isSecretEnvName}). */
  collectEnv(env: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(env)) {
      if (value !== undefined && isSecretEnvName(name)) this.add(value);
    }
  }

  /** Remembers one value as a secret, whatever its name (a token a caller hands over). */
  add(secret: string): void {
    if (secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret);
  }

  /** `text` with every remembered secret replaced by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets)
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }

  /** A copy of `value` with every string redacted. */
  redactDeep<T>(value: T, depth = 0): T {
    if (this.#secrets.size === 0 || depth > 8) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (value instanceof Error) {
      const message = this.redact(value.message);
      return (
        message === value.message ? value : Object.assign(new Error(message), { name: value.name })
      ) as T;
    }
    if (Array.isArray(value)) return value.map((v: unknown) => this.redactDeep(v, depth + 1)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          this.redactDeep(v, depth + 1),
        ]),
      ) as T;
    }
    return value;
  }
}

/**
 * A logger that passes every message and string detail through `redactor` first, and never
 * throws: a failing user logger must not break the connection that is reporting to it.
 */
export function redactingLogger(logger: Logger, redactor: SecretRedactor): FullLogger {
  const emit = (level: keyof Logger, message: string, details: unknown[]): void => {
    try {
      logger[level]?.(redactor.redact(message), ...details.map((d) => redactor.redactDeep(d)));
    } catch {
      // Nowhere left to report it.
    }
  };
  return {
    error: (message, ...details) => emit('error', message, details),
    warn: (message, ...details) => emit('warn', message, details),
    info: (message, ...details) => emit('info', message, details),
    debug: (message, ...details) => emit('debug', message, details),
  };
}
