/**
 * The engine's door to the settings. The one schema of every setting (limits, choices, defaults,
 * help, live or not) lives in the contract, main/contract/settings.ts, because the CLI flags, the
 * window's limits and the recipes derive from it too; add a setting there.
 */
import { LabConfigSchema, type LabConfig, type LabConfigInput } from '../contract/settings';

export {
  LabConfigSchema,
  ConfigPatchSchema,
  LIVE_SETTINGS,
  MACHINE_SETTINGS,
  TOPOLOGY_SETTINGS,
  PolicySchema,
  UserSchema,
  REALMS,
  OAuth2ClientSchema,
  DEFAULT_OAUTH2_CLIENTS,
} from '../contract/settings';
export type { LabConfig, LabConfigInput, LiveConfigPatch, Policy, UserRecord, Realm, OAuth2Client } from '../contract/settings';
export { DEMO_AGENT, DEMO_USER } from '../contract/names';

export function parseConfig(input: LabConfigInput = {}): LabConfig {
  return LabConfigSchema.parse(input);
}

/** HttpOnly on the session cookie: the explicit setting, else the profile's default. */
export function cookieHttpOnly(cfg: LabConfig): boolean {
  return cfg.httpOnly ?? (cfg.profile === '7.5' || cfg.profile === '8');
}

/** What the trace keeps, from the lab's settings. */
export function traceLimits(cfg: Pick<LabConfig, 'traceCapacity' | 'traceBudgetBytes' | 'traceBodyBytes'>) {
  return { capacity: cfg.traceCapacity, budgetBytes: cfg.traceBudgetBytes, bodyBytes: cfg.traceBodyBytes };
}

export function serverId(index: number): string {
  return String(index + 1).padStart(2, '0');
}
