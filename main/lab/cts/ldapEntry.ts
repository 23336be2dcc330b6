import { AndFilter, EqualityFilter, LessThanEqualsFilter, type Entry, type Filter } from 'ldapts';
import { DATE_FIELDS, INTEGER_FIELDS, STRING_FIELDS, fieldKind, normalizeFields, type CtsFields } from './fields';
import type { CtsQuery, CtsToken, CtsTokenType } from './store';

/**
 * A CTS token as an LDAP entry, the way AM's LdapTokenAttributeConversion writes it
 * (OpenAM openam-core/.../cts/utils/LdapTokenAttributeConversion.java): objectClass frCoreToken,
 * RDN coreTokenId, coreTokenType the token type's name, dates as GeneralizedTime with
 * milliseconds (e.g. 20170311140000.293Z), empty values left out, the payload in coreTokenObject.
 */
export const TOKEN_CLASS = 'frCoreToken';

/** OAuthTokenField.AUTH_GRANT_ID (OpenAM openam-core/.../cts/api/fields/OAuthTokenField.java): a token's grantId. */
const GRANT_ID = 'coreTokenString15';

/** Every attribute a token entry can hold besides its RDN: a modify replaces all of them. */
export const TOKEN_ATTRIBUTES = ['coreTokenType', 'coreTokenUserId', 'coreTokenExpirationDate', 'coreTokenObject', ...STRING_FIELDS, ...INTEGER_FIELDS, ...DATE_FIELDS];

/** `coreTokenId=<id>,<root suffix>` (CTS token DN, LdapTokenAttributeConversion.generateTokenDN). */
export function tokenDn(id: string, rootSuffix: string): string {
  return `coreTokenId=${escapeDnValue(id)},${rootSuffix}`;
}

/** RFC 4514 escaping of an attribute value inside a DN. */
function escapeDnValue(v: string): string {
  return v
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ')
    .replace(/[\u0000-\u001f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** GeneralizedTime in UTC with milliseconds, as AM's LDAPDataConversion writes it. */
export function generalizedTime(ms: number): string {
  const d = new Date(Math.floor(ms));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}Z`;
}

export function parseGeneralizedTime(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(s);
  if (!m) throw new Error(`not a GeneralizedTime in UTC: ${s}`);
  const frac = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, frac);
}

function fieldValue(name: string, v: string | number): string {
  return fieldKind(name) === 'date' ? generalizedTime(v as number) : String(v);
}

/** The entry's attributes for an add. */
export function toAttributes(token: CtsToken): Record<string, string | string[] | Buffer> {
  const attrs: Record<string, string | string[] | Buffer> = {
    objectClass: TOKEN_CLASS,
    coreTokenId: token.id,
    coreTokenType: token.type,
    coreTokenExpirationDate: generalizedTime(token.expiresAt),
    coreTokenObject: Buffer.from(JSON.stringify(token.data ?? null), 'utf8'),
  };
  if (token.userId) attrs.coreTokenUserId = token.userId;
  for (const [k, v] of Object.entries(normalizeFields(token.fields) ?? {})) attrs[k] = fieldValue(k, v);
  if (token.grantId) attrs[GRANT_ID] = token.grantId;
  return attrs;
}

/** The replace list of a modify: present attributes get their value, absent ones are removed. */
export function toReplacements(token: CtsToken): { type: string; values: (string | Buffer)[] }[] {
  const attrs = toAttributes(token);
  return TOKEN_ATTRIBUTES.map((type) => {
    const v = attrs[type];
    return { type, values: v === undefined ? [] : [v as string | Buffer] };
  });
}

export function fromEntry<T>(e: Entry): CtsToken<T> {
  const one = (name: string) => {
    const v = e[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const text = (name: string) => {
    const v = one(name);
    return v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : v;
  };
  const fields: Record<string, string | number> = {};
  for (const name of [...STRING_FIELDS, ...INTEGER_FIELDS, ...DATE_FIELDS]) {
    const v = text(name);
    if (v === undefined || name === GRANT_ID) continue;
    const kind = fieldKind(name);
    fields[name] = kind === 'string' ? v : kind === 'integer' ? Number(v) : parseGeneralizedTime(v);
  }
  const token: CtsToken<T> = {
    id: text('coreTokenId')!,
    type: text('coreTokenType') as CtsTokenType,
    expiresAt: parseGeneralizedTime(text('coreTokenExpirationDate')!),
    data: JSON.parse(text('coreTokenObject') ?? 'null') as T,
  };
  const userId = text('coreTokenUserId');
  if (userId) token.userId = userId;
  const grantId = text(GRANT_ID);
  if (grantId) token.grantId = grantId;
  if (Object.keys(fields).length) token.fields = fields as CtsFields;
  return token;
}

/** `(&(objectClass=frCoreToken)…)` for a query: type, owner and equality on indexed fields. */
export function queryFilter(q: CtsQuery): Filter {
  const parts: Filter[] = [new EqualityFilter({ attribute: 'objectClass', value: TOKEN_CLASS })];
  if (q.type) parts.push(new EqualityFilter({ attribute: 'coreTokenType', value: q.type }));
  if (q.userId) parts.push(new EqualityFilter({ attribute: 'coreTokenUserId', value: q.userId }));
  if (q.grantId) parts.push(new EqualityFilter({ attribute: GRANT_ID, value: q.grantId }));
  for (const [k, v] of Object.entries(normalizeFields(q.fields) ?? {})) parts.push(new EqualityFilter({ attribute: k, value: fieldValue(k, v) }));
  return new AndFilter({ filters: parts });
}

/** The reaper's search (CTSWorkerPastExpiryDateQuery): coreTokenExpirationDate <= now. */
export function expiredFilter(now: number, type?: CtsTokenType): Filter {
  const f = queryFilter({ type });
  (f as AndFilter).filters.push(new LessThanEqualsFilter({ attribute: 'coreTokenExpirationDate', value: generalizedTime(now) }));
  return f;
}
