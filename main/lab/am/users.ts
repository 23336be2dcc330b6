import { randomBytes } from 'node:crypto';
import { DEMO_USER, type UserRecord } from '../config';
import { secretEquals } from './tokens';

export interface Identity {
  username: string;
  universalId: string;
  admin: boolean;
}

/** The identity store the nodes authenticate against: demo (lab only), amadmin, and configured users. */
export class UserStore {
  private readonly users = new Map<string, UserRecord>();
  readonly adminPassword: string;

  constructor(extra: Record<string, UserRecord>, adminPassword?: string) {
    this.adminPassword = adminPassword ?? randomBytes(18).toString('base64url');
    this.users.set(DEMO_USER.username, { password: DEMO_USER.password, admin: false, demo: true });
    this.users.set('amadmin', { password: this.adminPassword, admin: true, demo: false });
    for (const [name, u] of Object.entries(extra)) this.users.set(name, u);
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
    const realmDn = realm === '/' ? 'dc=openam,dc=forgerock,dc=org' : `o=${realm.slice(1)},ou=services,dc=openam,dc=forgerock,dc=org`;
    return { username, universalId: `id=${username},ou=user,${realmDn}`, admin: u.admin };
  }

  list(): { username: string; admin: boolean; demo: boolean }[] {
    return [...this.users].map(([username, u]) => ({ username, admin: u.admin, demo: u.demo }));
  }
}
