import { describe, expect, it } from 'vitest';
import type { Lab } from '../../main/lab/lab';
import { perform } from '../../main/lab/perform';
import { DEMO, call, events, startLab } from './helpers';

/**
 * The OAuth2 provider and the persistent account lockout with the CTS directory down (every slapd
 * replica stopped): each CTS call that fails says so in the trace (cts-unreachable), as the rest of
 * the node does, and the answer is AM's, never a bare 500. OpenAM StatefulTokenStore turns a
 * CoreTokenException into ServerException, an OAuth2 error of status 400 "server_error"
 * (oauth2/core/exceptions/ServerException); EndSession skips a failed session removal.
 */
const act = (lab: Lab, a: Record<string, unknown>) => perform(lab, a as never);
const during = async (lab: Lab) => (await events(lab, 'cts-unreachable')).flatMap((e) => ('during' in e.data ? [e.data.during] : []));

describe('OAuth2 and the lockout counter during a CTS outage', () => {
  it('answers server_error and says the CTS could not be reached; the lockout counter fails the login as AUTH_ERROR; all recover with the directory', async () => {
    const lab = await startLab({ nodes: 2, cts: 'ldap', lockoutMode: 'persistent', lockoutThreshold: 3 });
    const b = lab.createBrowser('app');
    await act(lab, { action: 'zero-page-login', browser: b.id, username: DEMO[0], password: DEMO[1] });
    expect((await act(lab, { action: 'get-tokens', browser: b.id })).oauth2!.held).toHaveLength(3);

    await lab.stopCts();
    const user = await act(lab, { action: 'userinfo', browser: b.id });
    expect(user.response).toMatchObject({ status: 400, body: { error: 'server_error', error_description: expect.stringMatching(/^Could not read token in CTS: CTS: no directory server answered/) } });
    expect(user.events.filter((e) => e.type === 'cts-unreachable')).toHaveLength(1);
    expect((await act(lab, { action: 'refresh-tokens', browser: b.id })).oauth2).toMatchObject({ error: 'server_error' });
    expect((await act(lab, { action: 'revoke', browser: b.id })).response).toMatchObject({ status: 400, body: { error: 'server_error' } });
    // The session cannot be read either: no session, so prompt=none is interaction_required.
    expect((await act(lab, { action: 'get-tokens', browser: b.id, prompt: 'none' })).oauth2).toMatchObject({ error: 'interaction_required' });
    // EndSession: "Error while removing session, possibly already timed out. Skipping..."
    expect((await act(lab, { action: 'end-session', browser: b.id })).response!.status).toBe(204);

    // Persistent lockout reads its counter in the CTS: an unexpected exception to the login module.
    const wrong = await act(lab, { action: 'zero-page-login', browser: lab.createBrowser().id, username: DEMO[0], password: 'wrong' });
    expect(wrong.steps![0]).toMatchObject({ kind: 'failure', status: 500, body: { code: 500, message: 'Authentication Error!!' } });
    expect(await during(lab)).toEqual(expect.arrayContaining(['to read an OAuth2 token', 'to read the session', 'to read the account lockout counter']));
    expect(await events(lab, 'bad-request')).toEqual([]);
    expect((await call(lab, 'GET', 'isAlive.jsp')).status).toBe(200);

    await lab.startCts();
    await expect.poll(async () => (await act(lab, { action: 'userinfo', browser: b.id })).response!.status, { timeout: 10_000 }).toBe(200);
  });
});
