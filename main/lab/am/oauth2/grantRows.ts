import type { GrantRow, GrantTokenRow } from '../../../contract/oauth2';
import { CtsUnavailableError, type TokenStore } from '../../cts/store';
import type { GrantSet, OAuthToken } from './grants';

/** Grants listed at most (newest expiry first): a load can leave thousands in the CTS. */
const MAX_ROWS = 200;
const KINDS = { access_code: 'code', access_token: 'access_token', refresh_token: 'refresh_token', ops: 'ops' } as const;
/** A token id shortened for a table (a stateful access token's id is the bearer token itself). */
const short = (id: string) => (id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id);

/**
 * The CTS's OAuth2 grants as an administrator would find them with ldapsearch: the OAUTH tokens
 * (codes, stateful access and refresh tokens, OIDC ops tokens) grouped by authGrantId, and AM 7's
 * OAUTH2_GRANT_SET tokens with their client-side tokens and how many of those are blacklisted.
 * Empty while the CTS cannot be reached (the window keeps showing the rest).
 */
export async function grantRows(cts: TokenStore, now: number): Promise<GrantRow[]> {
  try {
    const rows = new Map<string, GrantRow>();
    for (const t of await cts.query<OAuthToken>({ type: 'OAUTH' })) {
      if (t.expiresAt <= now) continue; // the reaper's next pass takes it
      const d = t.data;
      const row = rows.get(d.authGrantId) ?? rowOf(d.authGrantId, d, 'stateful');
      row.tokens.push({ kind: KINDS[d.tokenName], id: short(t.id), expiresAt: t.expiresAt, ...(d.tokenName === 'access_code' ? { used: !!d.issued } : {}) });
      rows.set(d.authGrantId, row);
    }
    const blacklisted = new Set((await cts.query<{ jti: string }>({ type: 'OAUTH_BLACKLIST' })).map((b) => b.data.jti));
    for (const set of await cts.query<GrantSet>({ type: 'OAUTH2_GRANT_SET' })) {
      const row = rows.get(set.id) ?? rowOf(set.id, set.data, 'client-side');
      row.mode = 'client-side';
      for (const t of set.data.tokens ?? []) if (t.exp > now) row.tokens.push({ kind: 'jwt', id: `${t.name} ${short(t.jti)}`, expiresAt: t.exp });
      row.blacklisted = set.data.jtis.filter((j) => blacklisted.has(j)).length;
      rows.set(set.id, row);
    }
    const all = [...rows.values()].map((r) => ({ ...r, expiresAt: Math.max(...r.tokens.map((t) => t.expiresAt)) })).filter((r) => r.tokens.length);
    return all.sort((a, b) => b.expiresAt - a.expiresAt).slice(0, MAX_ROWS);
  } catch (e) {
    if (e instanceof CtsUnavailableError) return [];
    throw e;
  }
}

function rowOf(grantId: string, d: Pick<OAuthToken, 'clientId' | 'username' | 'realm' | 'scope' | 'grantType'>, mode: GrantRow['mode']): GrantRow {
  return { grantId, clientId: d.clientId, user: d.username, realm: d.realm, scope: d.scope, grantType: d.grantType, mode, tokens: [] as GrantTokenRow[], blacklisted: 0, expiresAt: 0 };
}
