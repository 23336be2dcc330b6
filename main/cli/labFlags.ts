import { InvalidArgumentError, Option, type Command } from 'commander';
import { SETTINGS, parseSettingText, settingLimits, settingMeta, type LabConfigInput, type SettingKey } from '../contract/settings';
import type { LabOptions } from '../lab/lab';

/**
 * The lab's flags, generated from the settings schema (main/contract/settings.ts): a setting's
 * flag name, choices, limits, default and help all come from its entry there, so a new setting is
 * a new flag without a line here. A bad value is commander's usage error: one line, exit code 2.
 */

/** Settings that are flags: every one not marked `flag: false`. */
export const FLAG_SETTINGS = (Object.keys(SETTINGS) as SettingKey[]).filter((k) => settingMeta(k).flag !== false);

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The flag of a setting (without dashes): its `flag`, or the key in kebab-case (maxIdleTime → max-idle-time). */
export function flagOf(key: SettingKey): string {
  const f = settingMeta(key).flag;
  return typeof f === 'string' ? f : kebab(key);
}

/** Parses a flag's text with the setting's own schema, or says what it expects. */
function parser(key: SettingKey) {
  return (text: string) => {
    const r = parseSettingText(key, text);
    if (!r.ok) throw new InvalidArgumentError(r.problem);
    return r.value;
  };
}

/** One setting as a commander option. */
export function settingOption(key: SettingKey): Option {
  const s = settingMeta(key);
  const j = settingLimits(key);
  const def: unknown = SETTINGS[key].schema.parse(undefined);
  const name = flagOf(key);
  const notes = [s.unit && `in ${s.unit}`, def !== undefined && !Array.isArray(def) && def !== false && `default: ${String(def)}`].filter(Boolean);
  const help = `${s.help}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  if (j.type === 'boolean') return def === true ? new Option(`--no-${name}`, `turn off: ${s.help}`) : new Option(`--${name}`, help);
  if (Array.isArray(def)) {
    const one = parser(key);
    return new Option(`--${name} <value>`, help).argParser((v: string, prev: unknown[] = []) => [...prev, one(v)]);
  }
  const option = new Option(`--${name} <${s.unit ?? (j.enum ? 'choice' : j.type === 'string' ? 'value' : 'n')}>`, help);
  // zod keeps "7" and "8" before "6.5" (object key order): numbers read best in order.
  const choices = j.enum && (j.enum.every((c) => Number.isFinite(Number(c))) ? [...j.enum].sort((a, b) => Number(a) - Number(b)) : j.enum);
  return choices ? option.choices(choices) : option.argParser(parser(key));
}

/** Adds these settings' flags (default: every setting that has one). */
export function addSettingFlags(cmd: Command, keys: readonly SettingKey[] = FLAG_SETTINGS): Command {
  for (const key of keys) cmd.addOption(settingOption(key));
  return cmd;
}

/** The settings the user gave as flags (an omitted flag stays omitted: the schema's default applies). */
export function settingsFrom(flags: Record<string, unknown>, keys: readonly SettingKey[] = FLAG_SETTINGS): LabConfigInput {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = flags[camel(flagOf(key))];
    if (v !== undefined) out[key] = v;
  }
  return out as LabConfigInput;
}

/** A whole number in a range, for flags that are not settings (ports). */
export function intIn(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export interface LabFlags {
  port?: number;
  sticky?: boolean;
  clockSpeed?: number;
  adminPassword?: string;
  [setting: string]: unknown;
}

/**
 * The lab flags of `serve` and `web`: every setting, plus what is not a setting (the balancer port,
 * the --sticky shorthand for --policy sticky, the clock speed, the amadmin password).
 */
export function addLabFlags(cmd: Command, opts: { port: boolean } = { port: true }): Command {
  if (opts.port) cmd.option('--port <port>', 'balancer port (0 = any free port)', intIn(0, 65535), 0);
  cmd.option('--sticky', 'shorthand for --policy sticky (route on the amlbcookie)').option('--no-sticky', 'shorthand for --policy round-robin (the default)');
  addSettingFlags(cmd);
  return cmd
    .option('--clock-speed <factor>', 'lab clock speed (1 = real time, 60 = a minute per second)', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) throw new InvalidArgumentError('expected a positive number up to 1000000');
      return n;
    })
    .addOption(new Option('--admin-password <password>', 'amadmin password (default: random)').env('SESSION_LAB_ADMIN_PASSWORD'));
}

export function labOptionsFrom(f: LabFlags): LabOptions {
  const settings = settingsFrom(f);
  return {
    ...settings,
    policy: settings.policy ?? (f.sticky ? 'sticky' : undefined),
    port: f.port,
    clockSpeed: f.clockSpeed,
    adminPassword: f.adminPassword,
  };
}
