import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { FLAG_SETTINGS, addLabFlags, flagOf, labOptionsFrom } from '../../main/cli/labFlags';
import { SETTINGS, settingMeta, type SettingKey } from '../../main/contract/settings';

/** The lab's CLI flags come from the settings schema: one flag per setting, its limits and choices. */
function parse(args: string[]) {
  const cmd = addLabFlags(new Command().exitOverride().configureOutput({ writeErr: () => undefined }));
  cmd.parse(args, { from: 'user' });
  return labOptionsFrom(cmd.opts());
}

describe('serve/web flags generated from the settings schema', () => {
  it('every setting that is not a structure (users, clients, …) is a flag, named after its key or its own flag name', () => {
    const cmd = addLabFlags(new Command());
    const longs = new Set(cmd.options.map((o) => o.long));
    expect(FLAG_SETTINGS).toEqual(Object.keys(SETTINGS).filter((k) => settingMeta(k as SettingKey).flag !== false));
    expect(FLAG_SETTINGS).not.toContain('users');
    for (const key of FLAG_SETTINGS) expect(longs.has(`--${flagOf(key)}`) || longs.has(`--no-${flagOf(key)}`), key).toBe(true);
    expect(flagOf('lbCookieName')).toBe('cookie');
    expect(flagOf('maxIdleTime')).toBe('max-idle-time');
  });

  it('values become settings; omitted flags stay omitted so the schema default applies', () => {
    const o = parse(['--max-idle-time', '45', '--cookie', 'lb', '--no-redispatch', '--cors-origin', 'http://a:1', '--cors-origin', 'http://b:2', '--profile', '6.5', '--sticky']);
    expect(o).toMatchObject({ maxIdleTime: 45, lbCookieName: 'lb', redispatch: false, corsOrigins: ['http://a:1', 'http://b:2'], profile: '6.5', policy: 'sticky' });
    expect(o.maxSessionTime).toBeUndefined();
    expect(parse(['--policy', 'active-passive', '--sticky']).policy).toBe('active-passive');
  });

  it('a value outside the schema is refused in the schema words', () => {
    expect(() => parse(['--nodes', '10'])).toThrow(/expected a whole number from 1 to 9/);
    expect(() => parse(['--max-idle-time', '0'])).toThrow(/expected a number above 0, up to 525600/);
    expect(() => parse(['--cookie', 'a b'])).toThrow(/a cookie name/);
    expect(() => parse(['--auth', 'kerberos'])).toThrow(/Allowed choices are chain, tree/);
    expect(() => parse(['--cors-origin', 'http://x/path'])).toThrow(/an origin like/);
  });
});

describe('sizes in bytes', () => {
  it('may be written with KiB, MiB or GiB', () => {
    expect(parse(['--trace-budget', '128MiB']).traceBudgetBytes).toBe(128 * 1024 * 1024);
    expect(parse(['--trace-body', '64KiB']).traceBodyBytes).toBe(64 * 1024);
    expect(() => parse(['--trace-budget', '12'])).toThrow(/expected a whole number from 1048576/);
    expect(() => parse(['--nodes', '3MiB'])).toThrow(/expected a whole number from 1 to 9/);
  });
});
