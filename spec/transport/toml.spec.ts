import { configToArgs, encodeTomlValue } from '../../src/transport/toml.js';

describe('TOML config overrides', () => {
  it('encodes scalars, arrays and tables', () => {
    expect(encodeTomlValue('o3')).toBe('"o3"');
    expect(encodeTomlValue(true)).toBe('true');
    expect(encodeTomlValue(42)).toBe('42');
    expect(encodeTomlValue(0.5)).toBe('0.5');
    expect(encodeTomlValue(['a', 1])).toBe('["a", 1]');
    expect(encodeTomlValue({ network_access: true, 'odd key': 'v' })).toBe(
      '{ network_access = true, "odd key" = "v" }',
    );
  });

  it('keeps a hostile string one string: quotes, newlines, control characters, DEL', () => {
    expect(encodeTomlValue('x"\nmodel_provider = "evil')).toBe('"x\\"\\nmodel_provider = \\"evil"');
    expect(encodeTomlValue('a\u0001b\u007f')).toBe('"a\\u0001b\\u007F"');
  });

  it('turns a config object into -c arguments', () => {
    expect(
      configToArgs({
        model: 'o3',
        'sandbox_workspace_write.network_access': true,
        skipped: undefined,
      }),
    ).toEqual(['-c', 'model="o3"', '-c', 'sandbox_workspace_write.network_access=true']);
  });

  it('rejects keys that are not dotted bare keys, naming them', () => {
    expect(() => configToArgs({ 'model=o3 x': 'y' })).toThrow(/config key "model=o3 x"/);
    expect(() => configToArgs({ '': 'y' })).toThrow(TypeError);
  });

  it('rejects values TOML cannot hold, naming the path', () => {
    expect(() => configToArgs({ 'a.b': { c: [1, Number.NaN] } })).toThrow(/a\.b\.c\[1\]/);
    expect(() => encodeTomlValue(null)).toThrow(/null/);
    expect(() => encodeTomlValue('\ud800')).toThrow(/surrogate/);
  });
});
