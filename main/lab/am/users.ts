import { randomBytes } from 'node:crypto';
import { DEMO_USER } from '../../contract/names';
import type { UserRecord } from '../config';
import { secretEquals } from './tokens';

export interface Identity {
  username: string;
  universalId: string;
  admin: boolean;
  /** XUI roles AM reports for the identity (IdentityResourceV2.addRoleInformation). */
  roles: string[];
}

const USER_ROLES = ['ui-self-service-user'];
const ADMIN_ROLES = ['ui-global-admin', 'ui-realm-admin', 'ui-self-service-user'];

export const realmDn = (realm: string) => (realm === '/' ? 'dc=openam,dc=forgerock,dc=org' : `o=${realm.slice(1)},ou=services,dc=openam,dc=forgerock,dc=org`);

/**
 * The identity store the nodes authenticate against: demo (lab only), amadmin, configured users,
 * and agent profiles (ou=agent, authenticated by the Application module).
 */
export class UserStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly agents = new Map<string, string>();
  readonly adminPassword: string;

  constructor(extra: Record<string, UserRecord>, adminPassword?: string, agents: Record<string, { password: string }> = {}) {
    this.adminPassword = adminPassword ?? randomBytes(18).toString('base64url');
    this.users.set(DEMO_USER.username, { password: DEMO_USER.password, admin: false, demo: true });
    this.users.set('amadmin', { password: this.adminPassword, admin: true, demo: false });
    for (const [name, u] of Object.entries(extra)) this.users.set(name, u);
    for (const [name, a] of Object.entries(agents)) this.agents.set(name, a.password);
  }

  /** Checks a password in constant time; unknown users cost the same as wrong passwords. */
  authenticate(username: string, password: string, realm: string): Identity | undefined {
    const u = this.users.get(username);
    const ok = secretEquals(password, u?.password ?? '\u0000no-such-user');
    if (!u || !ok) return undefined;
    return this.identity(username, realm);
  }

  identity(username: string, realm: string): Identity | undefined {
    const u = this.users.get(username);
    if (!u) return undefined;
    return { username, universalId: `id=${username},ou=user,${realmDn(realm)}`, admin: u.admin, roles: u.admin ? ADMIN_ROLES : USER_ROLES };
  }

  authenticateAgent(name: string, password: string, realm: string): Identity | undefined {
    const secret = this.agents.get(name);
    const ok = secretEquals(password, secret ?? '\u0000no-such-agent');
    return secret !== undefined && ok ? this.agent(name, realm) : undefined;
  }

  agent(name: string, realm: string): Identity | undefined {
    if (!this.agents.has(name)) return undefined;
    return { username: name, universalId: `id=${name},ou=agent,${realmDn(realm)}`, admin: false, roles: [] };
  }

  list(): { username: string; admin: boolean; demo: boolean }[] {
    return [...this.users].map(([username, u]) => ({ username, admin: u.admin, demo: u.demo }));
  }
}
