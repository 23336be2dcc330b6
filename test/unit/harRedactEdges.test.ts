import fc from 'fast-check';
import type { Entry, Har } from 'har-format';
import { describe, expect, it } from 'vitest';
import { mintToken, storageKey } from '../../main/lab/am/tokens';
import { redactHar } from '../../main/lab/trace/redact';
import { fixture, harSecrets, leaks } from '../fixtures/har/scan';

/**
 * Where real HARs hide secrets from a redactor: URL-encoded AM tokens (`%2A`, `%252A`) under names
 * no rule knows, quoted cookie values, a token known only late in the file, and an OAuth 2.0 code
 * flow with PKCE (cts-oauth2.md B2). Rules: reliability-security.md §2.5 (R1, R2, R8, R12).
 */
const sso = (si = '01') => mintToken({ SI: si, SK: storageKey(), type: 'CTS', S1: '' });
const enc = (s: string) => encodeURIComponent(s).replace(/\*/g, '%2A');
const PSEUDONYM = /REDACTED-[A-Z]+-\d+(?:@\w+)?/;

function redacted(file: string): { raw: string; out: Har; text: string; secrets: number } {
  const raw = fixture(file);
  const { har, report } = redactHar(JSON.parse(raw) as Har, { pseudonymizeUsers: true });
  return { raw, out: har, text: JSON.stringify(har), secrets: report.secrets.length };
}

/** Every request and response body that was JSON before redaction is JSON after it. */
function jsonBodiesStayJson(before: Har, after: Har): number {
  let n = 0;
  before.log.entries.forEach((e, i) => {
    for (const [was, now] of [
      [e.request.postData?.text, after.log.entries[i]!.request.postData?.text],
      [e.response.content.text, after.log.entries[i]!.response.content.text],
    ]) {
      if (!was || !/^\s*[[{]/.test(was)) continue;
      JSON.parse(was);
      expect(() => JSON.parse(now ?? ''), `entries[${i}]: ${now?.slice(0, 80)}`).not.toThrow();
      n++;
    }
  });
  return n;
}

const entry = (e: Partial<{ url: string; headers: [string, string][]; body: string; resBody: string }>): Entry => ({
  startedDateTime: '2026-11-20T09:00:00.000Z',
  time: 1,
  request: { method: 'POST', url: e.url ?? 'https://am.example.com/am/json/realms/root/sessions?_action=getSessionInfo', httpVersion: 'HTTP/1.1', cookies: [], headers: (e.headers ?? []).map(([name, value]) => ({ name, value })), queryString: [], ...(e.body ? { postData: { mimeType: 'application/json', text: e.body } } : {}), headersSize: -1, bodySize: e.body?.length ?? 0 },
  response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', cookies: [], headers: [], content: { size: (e.resBody ?? '').length, mimeType: 'application/json', text: e.resBody ?? '' }, redirectURL: '', headersSize: -1, bodySize: -1 },
  cache: {},
  timings: { send: 0, wait: 1, receive: 0 },
});
const har = (...entries: Entry[]): Har => ({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries } });

describe('har redact: encoded, quoted and late-known AM tokens', () => {
  it('a token URL-encoded once or twice, under unknown names, in URL, queryString, Location, Referer and a custom header, is replaced everywhere by the pseudonym of its raw form', () => {
    const { raw, out, text, secrets } = redacted('chrome-encoded-tokens.har');
    expect(leaks(text, harSecrets(raw))).toEqual([]);
    expect(secrets).toBeGreaterThanOrEqual(3);
    const [first, second, third] = out.log.entries;
    const custom = first!.request.headers.find((h) => h.name === 'x-session-ref')!.value;
    expect(custom).toMatch(/^REDACTED-SSO-\d+@02$/);
    // The same pseudonym wherever the token was, however many times it was encoded.
    for (const place of [first!.request.url, first!.response.redirectURL, first!.request.headers.find((h) => h.name === 'referer')!.value, JSON.stringify(first!.request.queryString), second!.response.content.text!, third!.response.content.text!]) {
      expect(decodeURIComponent(decodeURIComponent(place))).toContain(custom);
    }
    expect(new URL(first!.response.redirectURL).searchParams.get('ssoRef')).toBe(custom);
  });

  it('a quoted cookie value keeps its quotes around one pseudonym, the same the token gets unquoted in JSON bodies, which stay valid JSON', () => {
    const { raw, out } = redacted('chrome-encoded-tokens.har');
    const e = out.log.entries[1]!;
    const cookie = e.request.headers.find((h) => h.name === 'cookie')!.value;
    const label = /iPlanetDirectoryPro="(REDACTED-SSO-\d+@01)"/.exec(cookie)?.[1];
    expect(label).toBeDefined();
    expect(e.request.cookies.find((c) => c.name === 'iPlanetDirectoryPro')!.value).toBe(`"${label}"`);
    expect(JSON.parse(e.request.postData!.text!).session).toBe(label);
    expect(JSON.parse(e.response.content.text!).sessionRef).toBe(label);
    expect(new URL(e.request.url).searchParams.get('sessionRef')).toBe(label);
    expect(jsonBodiesStayJson(JSON.parse(raw) as Har, out)).toBeGreaterThan(0);
  });

  it('a token whose shape is seen only late in the file is also replaced in an earlier header that held its base64', () => {
    const { raw, out } = redacted('chrome-encoded-tokens.har');
    const before = (JSON.parse(raw) as Har).log.entries[0]!.request.headers.find((h) => h.name === 'x-trace-context')!.value;
    expect(Buffer.from(before, 'base64').toString()).toMatch(/\.\*AAJTSQ/);
    expect(out.log.entries[0]!.request.headers.find((h) => h.name === 'x-trace-context')!.value).toMatch(/^REDACTED-SSO-\d+@03$/);
  });

  it('property: a token in a quoted cookie and anywhere in a JSON body (value, key, nested, encoded) leaves valid JSON with one pseudonym', () => {
    const holder = fc.constantFrom('value', 'key', 'nested', 'encoded', 'array');
    fc.assert(
      fc.property(holder, fc.boolean(), fc.string({ maxLength: 8 }), (where, pretty, filler) => {
        const t = sso('02');
        const v = where === 'encoded' ? enc(t) : t;
        const body = where === 'key' ? { [v]: filler } : where === 'nested' ? { a: { b: [filler, `x ${v} y`] } } : where === 'array' ? [v, filler] : { session: v, filler };
        const text = JSON.stringify(body, null, pretty ? 2 : undefined);
        const { har: out } = redactHar(har(entry({ headers: [['Cookie', `iPlanetDirectoryPro="${t}"`]], body: text, resBody: text })));
        const e = out.log.entries[0]!;
        const label = /"(REDACTED-SSO-\d+@02)"/.exec(e.request.headers[0]!.value)?.[1];
        const parsed = [e.request.postData!.text!, e.response.content.text!].map((s) => JSON.stringify(JSON.parse(s)));
        return !!label && parsed.every((s) => s.includes(label) && !s.match(new RegExp(`REDACTED-SSO-(?!${label.slice(13)})`)) && !s.includes(t.slice(0, 20)));
      }),
      { numRuns: 80 },
    );
  });

  it('R12: a rewritten body reports its new size; a body that was already cut keeps the size that was sent', () => {
    const t = sso();
    const full = JSON.stringify({ note: `x ${t} y` });
    const cut = `{"note":"x ${t} y`;
    const e1 = entry({ body: full, resBody: full });
    const e2 = entry({ body: cut });
    e2.request.bodySize = 70_000;
    const { har: out } = redactHar(har(e1, e2));
    const [a, b] = out.log.entries;
    expect(a!.request.bodySize).toBe(Buffer.byteLength(a!.request.postData!.text!));
    expect(a!.response.content.size).toBe(Buffer.byteLength(a!.response.content.text!));
    expect(b!.request.bodySize).toBe(70_000);
    expect(b!.request.postData!.text).not.toContain(t.slice(0, 20));
  });
});

describe('har redact: OAuth 2.0 / OIDC code flow with PKCE', () => {
  const { raw, out, text } = redacted('chrome-oauth2-code-pkce.har');
  const input = JSON.parse(raw) as Har;
  const at = (i: number) => out.log.entries[i]!;
  const form = (i: number) => new URLSearchParams(at(i).request.postData!.text!);

  it('no code, verifier, state, access/refresh/ID token or client secret survives anywhere; the file stays valid', () => {
    const secrets = harSecrets(raw);
    expect(secrets.size).toBeGreaterThan(10);
    expect(leaks(raw, secrets).length).toBeGreaterThan(0);
    expect(leaks(text, secrets)).toEqual([]);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(jsonBodiesStayJson(input, out)).toBe(6);
  });

  it('the authorization code has one pseudonym in the 302 Location, the callback URL, its Referer chain and the token request form', () => {
    const code = new URL(at(0).response.redirectURL).searchParams.get('code')!;
    expect(code).toMatch(/^REDACTED-OAUTH-\d+$/);
    expect(new URL(at(0).response.headers.find((h) => h.name === 'location')!.value).searchParams.get('code')).toBe(code);
    expect(new URL(at(1).request.url).searchParams.get('code')).toBe(code);
    expect(form(2).get('code')).toBe(code);
    expect(at(2).request.postData!.params!.find((p) => p.name === 'code')!.value).toBe(code);
  });

  it('PKCE: the code_verifier is replaced in the form text and in postData.params, also in a string body sent as text/plain; the challenge and state too', () => {
    const verifier = form(2).get('code_verifier')!;
    expect(verifier).toMatch(PSEUDONYM);
    expect(at(2).request.postData!.params!.find((p) => p.name === 'code_verifier')!.value).toBe(verifier);
    expect(form(9).get('code_verifier')).toMatch(PSEUDONYM);
    expect(form(9).get('code')).toMatch(PSEUDONYM);
    expect(form(9).get('grant_type')).toBe('authorization_code');
    const authorize = new URL(at(0).request.url).searchParams;
    expect(authorize.get('code_challenge')).toMatch(PSEUDONYM);
    expect(authorize.get('state')).toMatch(PSEUDONYM);
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('client_id')).toBe('sdkPublicClient');
  });

  it('the access token has one pseudonym in the token response, the Bearer header and the revoke form; the refresh token in its grant', () => {
    const tokens = JSON.parse(at(2).response.content.text!) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3599, scope: 'openid profile' });
    expect(tokens.access_token).toMatch(PSEUDONYM);
    expect(at(3).request.headers.find((h) => h.name === 'authorization')!.value).toBe(`Bearer ${tokens.access_token}`);
    expect(form(6).get('token')).toBe(tokens.access_token);
    expect(form(4).get('refresh_token')).toBe(tokens.refresh_token);
    expect(tokens.id_token).toMatch(PSEUDONYM);
    expect(new URL(at(7).request.url).searchParams.get('id_token_hint')).toBe(tokens.id_token);
  });

  it('a confidential client: Basic credentials replaced, the secret inside them a password mark in a text/plain form too; `Bearer undefined` left alone', () => {
    expect(at(4).request.headers.find((h) => h.name === 'authorization')!.value).toMatch(/^Basic REDACTED-AUTHZ-\d+$/);
    const refreshed = JSON.parse(at(4).response.content.text!) as Record<string, string>;
    expect(form(5).get('token')).toBe(refreshed.access_token);
    expect(form(5).get('client_secret')).toBe('[REDACTED-PASSWORD]');
    expect(form(5).get('client_id')).toBe('confidentialClient');
    expect(at(7).request.headers.find((h) => h.name === 'authorization')!.value).toBe('Bearer undefined');
  });

  it('tokens in a Location fragment (implicit / hybrid) are replaced and the fragment keeps its shape', () => {
    const frag = new URLSearchParams(new URL(at(8).response.redirectURL).hash.slice(1));
    expect(frag.get('access_token')).toMatch(PSEUDONYM);
    expect(frag.get('id_token')).toMatch(PSEUDONYM);
    expect(frag.get('state')).toMatch(PSEUDONYM);
    expect(frag.get('token_type')).toBe('Bearer');
  });
});
