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

/** What the trace keeps, from the lab's settings. */
export function traceLimits(cfg: Pick<LabConfig, 'traceCapacity' | 'traceBudgetBytes' | 'traceBodyBytes'>) {
  return { capacity: cfg.traceCapacity, budgetBytes: cfg.traceBudgetBytes, bodyBytes: cfg.traceBodyBytes };
}

/** SESSION_LAB_ISOLATION, so a shell or a test run can choose every lab's isolation (the CTS has its own, cts/backend.ts). */
export function isolationEnvironment(env: NodeJS.ProcessEnv = process.env): Partial<Pick<LabConfig, 'isolation'>> {
  return env.SESSION_LAB_ISOLATION ? { isolation: env.SESSION_LAB_ISOLATION as LabConfig['isolation'] } : {};
}

export function serverId(index: number): string {
  return String(index + 1).padStart(2, '0');
}
