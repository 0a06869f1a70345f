/** A value that can be passed as a `-c key=value` config override. */
export type TomlValue =
  string | number | boolean | readonly TomlValue[] | { readonly [key: string]: TomlValue };

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function encodeString(value: string, where: string): string {
  if (!value.isWellFormed()) throw new TypeError(`config ${where}: string has a lone surrogate`);
  // JSON's escapes are valid TOML basic-string escapes; TOML also wants DEL escaped.
  return JSON.stringify(value).replace(/\x7f/g, '\\u007F');
}

function encodeKey(key: string): string {
  return BARE_KEY.test(key) ? key : encodeString(key, `key ${JSON.stringify(key)}`);
}

/**
 * Encodes a value as an inline TOML value, so a config override is always parsed as exactly the
 * value given: a string can never close its quotes and add another key.
 *
 * @throws TypeError naming the offending path for values TOML cannot hold (non-finite numbers,
 *   `null`/`undefined`, functions, lone surrogates).
 */
export function encodeTomlValue(value: unknown, where = 'value'): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value, where);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`config ${where}: ${value} is not a finite number`);
      // JS cannot tell 5 from 5.0; both become the TOML integer 5. Exponent forms are valid TOML floats.
      return String(value);
    case 'object': {
      if (value === null) throw new TypeError(`config ${where}: null cannot be expressed in TOML`);
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => encodeTomlValue(v, `${where}[${i}]`)).join(', ')}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>).filter(
        ([, v]) => v !== undefined,
      );
      return `{${entries.map(([k, v]) => ` ${encodeKey(k)} = ${encodeTomlValue(v, `${where}.${k}`)}`).join(',')}${entries.length ? ' ' : ''}}`;
    }
    default:
      throw new TypeError(`config ${where}: a ${typeof value} cannot be expressed in TOML`);
  }
}

const CONFIG_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * Turns `{ 'model': 'o3', 'sandbox_workspace_write.network_access': true }` into
 * `['-c', 'model="o3"', '-c', 'sandbox_workspace_write.network_access=true']`.
 *
 * @throws TypeError when a key is not a dotted path of bare TOML keys (it could otherwise smuggle
 *   an `=` into the override) or a value cannot be encoded.
 */
export function configToArgs(config: Readonly<Record<string, TomlValue | undefined>>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (!CONFIG_KEY.test(key)) {
      throw new TypeError(
        `config key ${JSON.stringify(key)} is not a dotted path of letters, digits, '_' and '-'`,
      );
    }
    args.push('-c', `${key}=${encodeTomlValue(value, key)}`);
  }
  return args;
}
