import { createHash } from 'node:crypto';
import type { Har } from 'har-format';
import { describe, expect, it } from 'vitest';
import type { LabOptions } from '../../main/lab/lab';
import { exportHar } from '../../main/lab/trace/har';
import { validateHar } from '../../main/lab/trace/harSchema';
import { leaks, traceSecrets } from '../fixtures/har/scan';
import { DEMO, V2, call, startLab } from './helpers';

/**
 * The lab's own OAuth2/OIDC provider, redacted on export (reliability-security.md §2.5 R2, R8): a
 * code flow with PKCE through the balancer, then userinfo, refresh, introspect, revoke and
 * endSession, with stateful (opaque, CTS) and client-side (JWT) tokens. Every code, token, verifier
 * and client secret the run saw — read from the answers, not from the redactor — is gone from the HAR.
 */
const CB = 'https://app.example.com/callback';
const SECRET = 'Svc-Secret-for-HAR-1';
const CLIENTS: LabOptions['oauth2Clients'] = {
  spa: { type: 'public', redirectUris: [CB], postLogoutRedirectUris: ['https://app.example.com/bye'] },
  svc: { type: 'confidential', secret: SECRET, redirectUris: ['https://svc.example.com/cb'] },
};
const O2 = 'oauth2/realms/root';
const form = (o: Record<string, string>, headers: Record<string, string> = {}) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(o).toString() });
const verifier = `${'Lab-PKCE-verifier_'.repeat(3)}0123456789`;
const challenge = createHash('sha256').update(verifier).digest('base64url');

for (const mode of ['stateful', 'client-side'] as const) {
  describe(`HAR export of the lab's OAuth2 traffic (${mode} tokens)`, () => {
    it('carries no code, verifier, access/refresh/ID token or client secret, and one pseudonym per token', async () => {
      const lab = await startLab({ nodes: 2, policy: 'round-robin', oauth2Clients: CLIENTS, oauth2Tokens: { '/': mode, '/alpha': mode } });
      const zpl = await call(lab, 'POST', 'json/realms/root/authenticate', { headers: { ...V2, 'x-openam-username': DEMO[0], 'x-openam-password': DEMO[1] } });
      const sso = (zpl.json as { tokenId: string }).tokenId;
      const q = new URLSearchParams({ client_id: 'spa', redirect_uri: CB, response_type: 'code', scope: 'openid profile', state: 'st-4711-abcdef', code_challenge: challenge, code_challenge_method: 'S256' });
      const authz = await call(lab, 'GET', `${O2}/authorize?${q}`, { headers: { cookie: `iPlanetDirectoryPro=${sso}` } });
      const code = new URL(String(authz.headers.location)).searchParams.get('code')!;
      const tokens = (await call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', code, grant_type: 'authorization_code', redirect_uri: CB, code_verifier: verifier }))).json as Record<string, string>;
      expect(tokens.access_token).toBeTruthy();
      await call(lab, 'GET', `${O2}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      const refreshed = (await call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }))).json as Record<string, string>;
      const basic = `Basic ${Buffer.from(`svc:${SECRET}`).toString('base64')}`;
      await call(lab, 'POST', `${O2}/introspect`, form({ token: refreshed.access_token! }, { authorization: basic }));
      await call(lab, 'POST', `${O2}/introspect`, { headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: `token=${refreshed.access_token}&client_id=svc&client_secret=${SECRET}` });
      await call(lab, 'POST', `${O2}/token/revoke`, form({ client_id: 'spa', token: tokens.access_token! }));
      await call(lab, 'GET', `${O2}/connect/endSession?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${encodeURIComponent('https://app.example.com/bye')}`);
      await lab.settle();

      const items = lab.recorder.items();
      const issued = [tokens, refreshed].flatMap((t) => [t.access_token, t.refresh_token, t.id_token]).filter((s): s is string => !!s);
      const secrets = [...traceSecrets(items, [code, verifier, challenge, SECRET, sso]), ...issued];
      const raw = JSON.stringify(exportHar(items, { redact: false }));
      expect(leaks(raw, [code, tokens.access_token!, verifier]).length).toBeGreaterThan(0);
      const har = exportHar(items) as Har;
      const text = JSON.stringify(har);
      expect(leaks(text, secrets)).toEqual([]);
      expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
      expect(validateHar(har).errors).toEqual([]);

      const e = har.log.entries;
      const at = (path: string, n = 0) => e.filter((x) => x.request.url.includes(path))[n]!;
      const codeLabel = new URL(at('/authorize').response.redirectURL).searchParams.get('code');
      expect(codeLabel).toMatch(/^REDACTED-OAUTH-\d+$/);
      expect(new URLSearchParams(at('/access_token').request.postData!.text).get('code')).toBe(codeLabel);
      const atLabel = (JSON.parse(at('/access_token').response.content.text!) as Record<string, string>).access_token;
      expect(at('/userinfo').request.headers.find((h) => h.name.toLowerCase() === 'authorization')!.value).toBe(`Bearer ${atLabel}`);
      expect(new URLSearchParams(at('/token/revoke').request.postData!.text).get('token')).toBe(atLabel);
      expect(new URLSearchParams(at('/introspect', 1).request.postData!.text).get('client_secret')).toBe('[REDACTED-PASSWORD]');
    });
  });
}
