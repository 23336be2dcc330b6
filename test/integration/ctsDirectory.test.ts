import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { LabError } from '../../main/lab/labError';
import { diagnose } from '../../main/lab/trace/diagnose';
import { LabDirectory } from '../../main/lab/cts/labDirectory';
import { LdapTokenStore } from '../../main/lab/cts/ldapStore';
import { findSlapd } from '../../main/lab/cts/slapd';
import { DEMO, V2, call, cli, events, exchanges, readmeBlock, startLab } from './helpers';

const run = promisify(execFile);
const directories: LabDirectory[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((d) => d.stop()));
});

interface CtsInfo {
  url: string;
  replicas: string[];
  baseDn: string;
  bindDn: string;
  password: string;
}

/** ldapsearch (ldap-utils) exactly as an engineer types it against a customer's DS. */
async function ldapsearch(cts: CtsInfo, filter: string, ...attrs: string[]): Promise<string> {
  const { stdout } = await run('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', cts.url, '-D', cts.bindDn, '-w', cts.password, '-b', cts.baseDn, filter, ...attrs]);
  return stdout;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const refuses = (url: string) =>
  new Promise<boolean>((resolve) => {
    const s = connect(Number(new URL(url).port), '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });

describe('CTS on a directory (slapd with AM CTS schema)', () => {
  it('serve --cts ldap prints the CTS; ldapsearch finds a logged-in session by handle and finds it gone after logout', async () => {
    const serve = cli(['serve', '--cts', 'ldap', '--nodes', '2', '--quiet']);
    const info = JSON.parse(await serve.firstLine);
    const cts = info.cts as CtsInfo;
    expect(cts).toMatchObject({ kind: 'ldap', baseDn: 'ou=famrecords,ou=openam-session,ou=tokens', bindDn: 'uid=openam_cts,ou=admins,ou=famrecords,ou=openam-session,ou=tokens' });
    expect(cts.url).toMatch(/^ldap:\/\/127\.0\.0\.1:\d+$/);

    const login = await request(`${info.balancer}/json/realms/root/authenticate`, {
      method: 'POST',
      headers: { ...V2, 'x-openam-username': DEMO[0], 'x-openam-password': DEMO[1] },
    });
    const { tokenId } = (await login.body.json()) as { tokenId: string };
    const infoCall = await request(`${info.balancer}/json/realms/root/sessions?_action=getSessionInfo`, { method: 'POST', headers: { ...V2, iplanetdirectorypro: tokenId }, body: '{}' });
    const { sessionHandle } = (await infoCall.body.json()) as { sessionHandle: string };

    // OpenAM's SessionTokenField layout: String03 session handle, String11 realm, String13 state.
    const entry = await ldapsearch(cts, `(coreTokenString03=${sessionHandle})`, 'coreTokenType', 'coreTokenUserId', 'coreTokenString11', 'coreTokenString13', 'coreTokenExpirationDate');
    expect(entry).toMatch(/^dn: coreTokenId=[^,]+,ou=famrecords,ou=openam-session,ou=tokens$/m);
    expect(entry).toContain('coreTokenType: SESSION');
    expect(entry).toContain('coreTokenUserId: id=demo,ou=user,dc=openam,dc=forgerock,dc=org');
    expect(entry).toContain('coreTokenString11: /');
    expect(entry).toContain('coreTokenString13: VALID');
    expect(entry).toMatch(/coreTokenExpirationDate: \d{14}\.\d{3}Z/);

    // The README's ldapsearch, as printed, with serve's first line filled in.
    const readme = await run('bash', ['-c', await readmeBlock('ldapsearch')], { env: { ...process.env, CTS: cts.url, CTS_BIND_DN: cts.bindDn, CTS_PASSWORD: cts.password } });
    expect(readme.stdout).toContain(`coreTokenString03: ${sessionHandle}`);
    expect(readme.stdout).toContain('coreTokenUserId: id=demo,ou=user,dc=openam,dc=forgerock,dc=org');

    const logout = await request(`${info.balancer}/json/realms/root/sessions?_action=logout`, { method: 'POST', headers: { ...V2, iplanetdirectorypro: tokenId }, body: '{}' });
    expect(await logout.body.json()).toEqual({ result: 'Successfully logged out' });
    expect(await ldapsearch(cts, `(coreTokenString03=${sessionHandle})`)).toBe('');

    serve.child.kill('SIGTERM');
    expect(await serve.exit).toBe(0);
    expect(await refuses(cts.url)).toBe(true);
  });

  it('replication lag: without affinity step 2 reads the other replica before the auth session reached it (401); with CTS affinity it succeeds', async () => {
    // Trees with CTS auth sessions, no stickiness: the login needs both nodes to see one CTS token.
    const setup = { nodes: 2, policy: 'round-robin', auth: 'tree', authSessions: 'cts', cts: 'ldap', ctsReplicas: 2, ctsReplicationDelayMs: 3_000 } as const;
    const lagging = await startLab(setup);
    const broken = await lagging.createBrowser().login(...DEMO);
    expect(broken.outcome).toMatchObject({ kind: 'failure', status: 401, body: { code: 401, reason: 'Unauthorized', message: 'Session has timed out', detail: { errorCode: '110' } } });
    const [step1, step2] = await exchanges(lagging);
    expect([step1!.routing.node, step2!.routing.node]).toEqual(['01', '02']);
    const [r1, r2] = lagging.ctsBackend.status().replicas!;
    // Node 01 wrote through its own replica; node 02 read its own, which had not received it yet.
    expect((await events(lagging, 'auth-session-created'))[0]!.data.ctsServer).toBe(r1);
    const missed = (await events(lagging, 'auth-session-missed'))[0]!;
    expect(missed).toMatchObject({ node: '02', exchangeId: step2!.id, data: { createdOn: '01', storage: 'cts', ctsServer: r2 } });
    expect(missed.data.cause).toBe('not-in-cts');
    expect(missed.message).toContain(`the CTS (${r2}) holds no auth session`);
    await lagging.settle();
    const finding = diagnose(lagging.recorder.items()).find((f) => f.kind === 'auth-session-missed')!;
    expect(finding.sentence).toContain(`read the CTS at ${r2} before replication brought the auth session from ${r1}`);
    expect(finding.fix).toMatch(/^CTS affinity/);

    const affine = await startLab({ ...setup, ctsAffinity: true });
    const fixed = await affine.createBrowser().login(...DEMO);
    expect(fixed.outcome.kind).toBe('success');
    expect((await exchanges(affine)).map((e) => e.routing.node)).toEqual(['01', '02']);
    expect(await events(affine, 'auth-session-missed')).toEqual([]);
    // Both nodes send this token's operations to the replica its DN hashes to.
    const created = (await events(affine, 'auth-session-created'))[0]!.data;
    const key = String(created.authSession);
    expect(affine.ctsBackend.connect('02').serverFor!(key)).toBe(created.ctsServer);
    expect(affine.ctsBackend.connect('01').serverFor!(key)).toBe(created.ctsServer);
  });

  it('a stopped replica is failed over; with the whole directory down nodes answer as AM does, keep serving, and recover', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky', cts: 'ldap', ctsReplicas: 2 });
    const b = lab.createBrowser();
    expect((await b.zeroPageLogin(...DEMO)).kind).toBe('success');
    const [r1, r2] = lab.ctsBackend.status().replicas!;
    const onReplica2 = new LdapTokenStore({ ...lab.ctsBackend.connectionSettings()!, servers: [r2!] });
    await until('the session to replicate', async () => ((await onReplica2.count('SESSION')) === 1 ? true : undefined));
    await onReplica2.close();

    await lab.stopCtsReplica(1);
    expect(lab.ctsBackend.status().replicaStates.map((r) => r.running)).toEqual([false, true]);
    expect((await events(lab, 'cts-down'))[0]!.data).toMatchObject({ replica: 1, url: r1 });
    expect((await b.validate()).body).toMatchObject({ valid: true }); // node 01 fails over to replica 2
    expect((await lab.createBrowser().zeroPageLogin(...DEMO)).kind).toBe('success');

    await lab.stopCts();
    // Saving the new session fails: LoginState.activateSession → "Session Activation Failed", 401.
    const during = await lab.createBrowser().zeroPageLogin(...DEMO);
    expect(during).toMatchObject({ kind: 'failure', status: 401, body: { code: 401, reason: 'Unauthorized', message: 'Session Activation Failed' } });
    // Reading the session fails: SessionPersistenceStore.recoverSession returns no session.
    expect((await b.validate()).body).toEqual({ valid: false });
    // A CTS journey cannot save its state: AMLoginContext's AUTH_ERROR, 500 "Authentication Error!!".
    await lab.configure({ auth: 'tree', authSessions: 'cts' });
    const tree = await lab.createBrowser().startLogin();
    expect(tree).toMatchObject({ status: 500, body: { code: 500, reason: 'Internal Server Error', message: 'Authentication Error!!' } });
    expect((await events(lab, 'cts-unreachable')).filter((e) => e.node).map((e) => ('during' in e.data ? e.data.during : null))).toEqual(expect.arrayContaining(['to save the new session', 'to read the session', 'login']));
    expect(await events(lab, 'bad-request')).toEqual([]);
    expect((await call(lab, 'GET', 'isAlive.jsp')).status).toBe(200);

    await lab.startCts();
    expect(lab.ctsBackend.status().replicaStates.every((r) => r.running)).toBe(true);
    // The session written before the outage is still on disk: it validates again.
    await until('the directory to answer again', async () => ((await b.validate()).body as { valid?: boolean }).valid || undefined);
    expect((await lab.createBrowser().login(...DEMO)).outcome.kind).toBe('success');
  });

  it('an existing directory by ldap:// URL: nodes keep their sessions there, and any process can connect from the plain settings', async () => {
    const customerDs = await LabDirectory.start(1, () => 0);
    directories.push(customerDs);
    const lab = await startLab({ nodes: 2, cts: customerDs.urls[0], ctsBindDn: customerDs.bindDn, ctsPassword: customerDs.password });
    expect(lab.info().cts).toMatchObject({ kind: 'ldap', url: customerDs.urls[0], baseDn: customerDs.rootSuffix });
    expect((await lab.createBrowser().zeroPageLogin(...DEMO)).kind).toBe('success');
    // What an AM node in its own process would receive (issue 13): JSON, no lab object.
    const settings = JSON.parse(JSON.stringify(lab.ctsBackend.connectionSettings('02')));
    const elsewhere = new LdapTokenStore(settings);
    const [session] = await elsewhere.query({ type: 'SESSION' });
    await elsewhere.close();
    expect(session).toMatchObject({ type: 'SESSION', userId: 'id=demo,ou=user,dc=openam,dc=forgerock,dc=org', fields: { coreTokenString13: 'VALID' } });

    await expect(startLab({ cts: customerDs.urls[0], ctsBindDn: customerDs.bindDn, ctsPassword: 'wrong' })).rejects.toThrow(/did not answer a search .*InvalidCredentialsError \(LDAP 49\)/);
    await expect(startLab({ cts: customerDs.urls[0] })).rejects.toThrow(/needs a bind DN and password/);
  });

  it('a lab killed outright leaves no slapd and no temp directory behind', async () => {
    const serve = cli(['serve', '--cts', 'ldap', '--quiet']);
    const { cts } = JSON.parse(await serve.firstLine) as { cts: CtsInfo };
    const port = new URL(cts.url).port;
    const dir = readdirSync(tmpdir())
      .filter((d) => d.startsWith('session-lab-cts-'))
      .map((d) => join(tmpdir(), d))
      .find((d) => existsSync(join(d, 'r1', 'slapd.args')) && readFileSync(join(d, 'r1', 'slapd.args'), 'utf8').includes(`127.0.0.1:${port}/`));
    expect(dir).toBeDefined();
    serve.child.kill('SIGKILL');
    await until('the watchdog to stop slapd', async () => ((await refuses(cts.url)) ? true : undefined));
    await until('the watchdog to remove the temp directory', async () => (existsSync(dir!) ? undefined : true));
  });

  it('without slapd the lab says which Debian package to install; a CLI with an unreachable directory exits 2', async () => {
    expect(() => findSlapd({ PATH: '/nonexistent' }, [])).toThrow(LabError);
    expect(() => findSlapd({ PATH: '/nonexistent' }, [])).toThrow(/install the Debian package slapd/);
    const bad = cli(['serve', '--cts', 'ldap://127.0.0.1:1', '--cts-bind-dn', 'uid=x', '--cts-password', 'y']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toMatch(/session-lab: The CTS at ldap:\/\/127\.0\.0\.1:1 did not answer/);
  });
});
