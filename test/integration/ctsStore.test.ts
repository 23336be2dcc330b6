import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabDirectory } from '../../main/lab/cts/labDirectory';
import { LdapTokenStore } from '../../main/lab/cts/ldapStore';
import { EmbeddedTokenStore, type CtsToken, type TokenStore } from '../../main/lab/cts/store';

/**
 * One CTS interface, two stores: the same contract runs against the embedded map and against a
 * real slapd with AM's CTS schema (OpenAM cts-add-schema.ldif), through AM's LDAP operations.
 */
let directory: LabDirectory;
beforeAll(async () => {
  directory = await LabDirectory.start(1, () => 0);
});
afterAll(async () => {
  await directory?.stop();
});

const stores: [string, () => TokenStore][] = [
  ['embedded', () => new EmbeddedTokenStore()],
  ['slapd (LDAP)', () => new LdapTokenStore({ servers: directory.urls, rootSuffix: directory.rootSuffix, bindDn: directory.bindDn, password: directory.password, affinity: false })],
];

const T0 = Date.UTC(2026, 2, 11, 14, 0, 0, 293);
let seq = 0;
function token(over: Partial<CtsToken> = {}): CtsToken {
  return { id: `t${++seq}-${Math.random().toString(36).slice(2)}`, type: 'SESSION', expiresAt: T0 + 60_000, data: { n: seq, nested: { list: [1, 'two', null], ok: true } }, ...over };
}

describe.each(stores)('CTS token store contract: %s', (_name, make) => {
  let store: TokenStore;
  beforeAll(() => {
    store = make();
  });
  afterAll(async () => {
    await store.close();
  });

  it('creates, reads back exactly, updates and deletes a token', async () => {
    const t = token({ userId: 'id=demo,ou=user,dc=openam,dc=forgerock,dc=org', fields: { coreTokenString03: 'shandle:abc', coreTokenInteger06: 120, coreTokenDate01: T0 + 7_200_000 } });
    await store.create(t);
    expect(await store.read(t.id)).toEqual(t);
    const changed = { ...t, expiresAt: T0 + 120_000, data: { n: -1 }, fields: { coreTokenString03: 'shandle:abc' } };
    await store.update(changed);
    expect(await store.read(t.id)).toEqual(changed); // fields absent from the update are gone
    expect(await store.delete(t.id)).toBe(true);
    expect(await store.read(t.id)).toBeUndefined();
    expect(await store.delete(t.id)).toBe(false);
  });

  it('refuses a second create of one id and an update of a missing token', async () => {
    const t = token();
    await store.create(t);
    await expect(store.create(t)).rejects.toThrow(/already exists/);
    await expect(store.update(token())).rejects.toThrow(/does not exist/);
    await store.delete(t.id);
  });

  it('keeps ids that need escaping in a DN, and leaves out empty fields', async () => {
    const t = token({ id: 'denylist:a,b=c+d"e\\f', fields: { coreTokenString01: '', coreTokenString02: 'x' } });
    await store.create(t);
    expect(await store.read(t.id)).toEqual({ ...t, fields: { coreTokenString02: 'x' } });
    expect(await store.delete(t.id)).toBe(true);
  });

  it('queries by type, owner and indexed fields; counts by type', async () => {
    const user = `id=u${seq},ou=user,dc=openam,dc=forgerock,dc=org`;
    const a = token({ userId: user, fields: { coreTokenString03: `h-${seq}-a`, coreTokenDate02: T0 } });
    const b = token({ userId: user, fields: { coreTokenString03: `h-${seq}-b` } });
    const c = token({ type: 'AUTH_SESSION' });
    for (const t of [a, b, c]) await store.create(t);
    const ids = (ts: CtsToken[]) => ts.map((t) => t.id).sort();
    expect(ids(await store.query({ userId: user }))).toEqual(ids([a, b]));
    expect(ids(await store.query({ type: 'SESSION', fields: { coreTokenString03: a.fields!.coreTokenString03 } }))).toEqual([a.id]);
    expect(ids(await store.query({ fields: { coreTokenDate02: T0 } }))).toEqual([a.id]);
    expect(ids(await store.query({ type: 'AUTH_SESSION' }))).toContain(c.id);
    const before = await store.count('AUTH_SESSION');
    await store.delete(c.id);
    expect(await store.count('AUTH_SESSION')).toBe(before - 1);
    for (const t of [a, b]) await store.delete(t.id);
  });

  it('finds expired tokens at millisecond precision, by type (the reaper search)', async () => {
    const due = token({ type: 'SESSION_BLACKLIST', expiresAt: T0 - 3_600_000 });
    const later = token({ type: 'SESSION_BLACKLIST', expiresAt: T0 - 3_600_000 + 1 });
    for (const t of [due, later]) await store.create(t);
    const at = (now: number) => store.expired(now, 'SESSION_BLACKLIST').then((ts) => ts.map((t) => t.id));
    expect(await at(T0 - 3_600_000)).toEqual(expect.arrayContaining([due.id]));
    expect(await at(T0 - 3_600_000)).not.toContain(later.id);
    expect(await at(T0 - 3_600_000 + 1)).toEqual(expect.arrayContaining([due.id, later.id]));
    expect(await store.expired(T0 - 3_600_000 + 1, 'SESSION')).not.toContainEqual(expect.objectContaining({ id: due.id }));
    for (const t of [due, later]) await store.delete(t.id);
  });
});
