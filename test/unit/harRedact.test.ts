import fc from 'fast-check';
import type { Entry, Har } from 'har-format';
import { describe, expect, it } from 'vitest';
import { mintToken, storageKey } from '../../main/lab/am/tokens';
import { validateHar } from '../../main/lab/trace/harSchema';
import { previewRedaction, redactHar } from '../../main/lab/trace/redact';
import { fixture, FIXTURE_FILES, harSecrets, leaks } from '../fixtures/har/scan';

const sso = (si = '01') => mintToken({ SI: si, SK: storageKey(), type: 'CTS', S1: '' });

function entry(over: { url?: string; reqHeaders?: [string, string][]; body?: string; status?: number; resHeaders?: [string, string][]; resBody?: string; encoding?: string }): Entry {
  return {
    startedDateTime: '2026-11-20T09:00:00.000Z',
    time: 5,
    request: {
      method: 'POST',
      url: over.url ?? 'http://127.0.0.1:8080/am/json/realms/root/authenticate',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: (over.reqHeaders ?? []).map(([name, value]) => ({ name, value })),
      queryString: [],
      ...(over.body !== undefined ? { postData: { mimeType: 'application/json', text: over.body } } : {}),
      headersSize: -1,
      bodySize: over.body?.length ?? 0,
    },
    response: {
      status: over.status ?? 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: (over.resHeaders ?? []).map(([name, value]) => ({ name, value })),
      content: { size: (over.resBody ?? '').length, mimeType: 'application/json', text: over.resBody ?? '', ...(over.encoding ? { encoding: over.encoding } : {}) },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 4, receive: 1 },
  };
}

const har = (...entries: Entry[]): Har => ({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } });
const text = (h: Har) => JSON.stringify(h);

describe('redactHar: per value, wherever it appears', () => {
  it('gives one SSO token the same pseudonym in Set-Cookie, later Cookie headers, tokenId and a validate body; amlbcookie stays', () => {
    const t = sso('03');
    const other = sso('01');
    const { har: out, report } = redactHar(
      har(
        entry({ resHeaders: [['set-cookie', `iPlanetDirectoryPro=${t}; Path=/; HttpOnly`], ['set-cookie', 'amlbcookie=03; Path=/']], resBody: JSON.stringify({ tokenId: t, successUrl: '/am/console', realm: '/' }) }),
        entry({ url: 'http://127.0.0.1:8080/am/json/realms/root/sessions?_action=validate', reqHeaders: [['cookie', `amlbcookie=03; iPlanetDirectoryPro=${t}`]], body: JSON.stringify({ tokenId: other }) }),
        entry({ url: `http://127.0.0.1:8080/am/json/realms/root/sessions?_action=getSessionInfo&tokenId=${encodeURIComponent(t)}`, reqHeaders: [['iPlanetDirectoryPro', other]] }),
      ),
    );
    const s = text(out);
    expect(leaks(s, [t, other])).toEqual([]);
    const [e0, e1, e2] = out.log.entries;
    const label = /iPlanetDirectoryPro=(REDACTED-SSO-\d+@03);/.exec(e0!.response.headers[0]!.value)![1]!;
    expect(e0!.response.headers[1]!.value).toBe('amlbcookie=03; Path=/');
    expect(JSON.parse(e0!.response.content.text!).tokenId).toBe(label);
    expect(e1!.request.headers[0]!.value).toBe(`amlbcookie=03; iPlanetDirectoryPro=${label}`);
    const otherLabel = JSON.parse(e1!.request.postData!.text!).tokenId;
    expect(otherLabel).toMatch(/^REDACTED-SSO-\d+@01$/);
    expect(otherLabel).not.toBe(label);
    expect(new URL(e2!.request.url).searchParams.get('tokenId')).toBe(label);
    expect(e2!.request.headers[0]!.value).toBe(otherLabel);
    expect(report.secrets.map((x) => x.pseudonym).sort()).toEqual([label, otherLabel].sort());
    expect(JSON.stringify(report)).not.toContain(t);
  });

  it('redacts PasswordCallback inputs and X-OpenAM-Password (also RFC 2047) to a fixed mark, keeping prompts and user names', () => {
    const body = JSON.stringify({ authId: 'x', callbacks: [{ type: 'NameCallback', output: [{ name: 'prompt', value: 'User Name:' }], input: [{ name: 'IDToken1', value: 'demo' }] }, { type: 'PasswordCallback', output: [{ name: 'prompt', value: 'Password:' }], input: [{ name: 'IDToken2', value: 'S3cret-Pass' }] }] });
    const enc = `=?UTF-8?B?${Buffer.from('Pässwörd-9').toString('base64')}?=`;
    const { har: out, report } = redactHar(har(entry({ body }), entry({ reqHeaders: [['X-OpenAM-Username', 'amadmin'], ['X-OpenAM-Password', enc]] }), entry({ body: '{"note":"S3cret-Pass typed twice; Pässwörd-9"}' })));
    const s = text(out);
    expect(leaks(s, ['S3cret-Pass', 'Pässwörd-9', enc])).toEqual([]);
    const cbs = JSON.parse(out.log.entries[0]!.request.postData!.text!).callbacks;
    expect(cbs[0].input[0].value).toBe('demo');
    expect(cbs[1].input[0].value).toBe('[REDACTED-PASSWORD]');
    expect(cbs[1].output[0].value).toBe('Password:');
    expect(out.log.entries[1]!.request.headers).toEqual([{ name: 'X-OpenAM-Username', value: 'amadmin' }, { name: 'X-OpenAM-Password', value: '[REDACTED-PASSWORD]' }]);
    expect(report.counts.R5).toBeGreaterThan(0);
    expect(report.counts.R4).toBe(1);
    expect(report.counts.sweep).toBeGreaterThan(0);
  });

  it('replaces the whole authId (payload included), and the auth session id inside it matches the AMAuthCookie pseudonym', () => {
    const sessionId = mintToken({ SI: '02', SK: storageKey(), S1: '' });
    const payload = Buffer.from(JSON.stringify({ otk: 'abcdefghijklmnop', realm: 'dc=openam', sessionId, authIndexType: 'service', authIndexValue: 'ldapService' })).toString('base64url');
    const authId = `eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.${payload}.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWc`;
    const { har: out } = redactHar(har(entry({ resHeaders: [['set-cookie', `AMAuthCookie=${sessionId}; Path=/; HttpOnly`]], resBody: JSON.stringify({ authId, callbacks: [] }) }), entry({ reqHeaders: [['cookie', `AMAuthCookie=${sessionId}`]], body: JSON.stringify({ authId }) })));
    const s = text(out);
    expect(leaks(s, [authId, sessionId, payload])).toEqual([]);
    expect(s).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(JSON.parse(out.log.entries[0]!.response.content.text!).authId).toBe('REDACTED-AUTHID-1@02/memory');
    expect(JSON.parse(out.log.entries[1]!.request.postData!.text!).authId).toBe('REDACTED-AUTHID-1@02/memory');
    expect(out.log.entries[0]!.response.headers[0]!.value).toBe('AMAuthCookie=REDACTED-AUTHSESS-1@02; Path=/; HttpOnly');
    expect(out.log.entries[1]!.request.headers[0]!.value).toBe('AMAuthCookie=REDACTED-AUTHSESS-1@02');
  });

  it('keeps logout sentinels, cookie attributes, status codes and AM error bodies; pseudonymizes other cookies and Authorization', () => {
    const { har: out } = redactHar(
      har(
        entry({ reqHeaders: [['cookie', 'JSESSIONID=8F3A2B1C9D; amlbcookie=02'], ['Authorization', 'Bearer abc.def-ghi_jkl'], ['Authorization', 'Basic ' + Buffer.from('bjensen:Basic-Pass-1').toString('base64')]], status: 401, resBody: '{"code":401,"reason":"Unauthorized","message":"Session has timed out","detail":{"errorCode":"110"}}', resHeaders: [['set-cookie', 'iPlanetDirectoryPro=""; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/'], ['set-cookie', 'amlbcookie=LOGOUT; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/'], ['set-cookie', 'AMAuthCookie=LOGOUT; Max-Age=0; Path=/']] }),
        entry({ body: '{"x":"Basic-Pass-1"}' }),
      ),
    );
    const e = out.log.entries[0]!;
    expect(e.request.headers[0]!.value).toBe('JSESSIONID=REDACTED-COOKIE-1; amlbcookie=02');
    expect(e.request.headers[1]!.value).toBe('Bearer REDACTED-AUTHZ-1');
    expect(e.request.headers[2]!.value).toBe('Basic REDACTED-AUTHZ-2');
    expect(e.response.headers.map((h) => h.value)).toEqual(['iPlanetDirectoryPro=""; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/', 'amlbcookie=LOGOUT; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/', 'AMAuthCookie=LOGOUT; Max-Age=0; Path=/']);
    expect(e.response.status).toBe(401);
    expect(JSON.parse(e.response.content.text!).message).toBe('Session has timed out');
    expect(text(out)).not.toContain('Basic-Pass-1');
  });

  it('follows URLs: query strings, goto inside Referer, OAuth words, form posts of the legacy UI; base64 bodies are redacted and re-encoded', () => {
    const t = sso('01');
    const goto = `https://app.example.com/cb?code=AUTHCODE123456&state=xyz789state&tokenId=${t}`;
    const body = Buffer.from(JSON.stringify({ tokenId: t, successUrl: '/am/console', realm: '/' })).toString('base64');
    const e0 = entry({ url: `https://am.example.com/am/UI/Login?goto=${encodeURIComponent(goto)}`, reqHeaders: [['Referer', `https://am.example.com/am/XUI/?authId=${t}#access_token=tok-ABCDEFGHIJ`]], resBody: body, encoding: 'base64' });
    e0.request.postData = { mimeType: 'application/x-www-form-urlencoded', text: 'IDToken1=demo&IDToken2=Form-Pass-42' };
    e0.request.queryString = [{ name: 'goto', value: goto }];
    const { har: out } = redactHar(har(e0));
    const s = text(out);
    expect(leaks(s, [t, 'AUTHCODE123456', 'xyz789state', 'tok-ABCDEFGHIJ', 'Form-Pass-42'])).toEqual([]);
    const r = out.log.entries[0]!;
    expect(r.request.postData!.text).toBe('IDToken1=demo&IDToken2=%5BREDACTED-PASSWORD%5D');
    expect(r.response.content.encoding).toBe('base64');
    expect(JSON.parse(Buffer.from(r.response.content.text!, 'base64').toString('utf8'))).toEqual({ tokenId: 'REDACTED-SSO-1@01', successUrl: '/am/console', realm: '/' });
    expect(decodeURIComponent(new URL(r.request.url).searchParams.get('goto')!)).toContain('tokenId=REDACTED-SSO-1@01');
  });

  it('catches tokens and JWTs by shape in places no rule names, and session handles anywhere', () => {
    const t = sso('02');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const handle = 'shandle:AbCdEfGhIjKlMnOpQrStUvWx';
    const { har: out } = redactHar(har(entry({ reqHeaders: [['X-Custom-Trace', `token=${t}`]], resBody: `<html>${jwt} ${handle}</html>` }), entry({ body: JSON.stringify({ sessionHandles: [handle] }), resBody: JSON.stringify({ result: { [handle]: true } }) })));
    const s = text(out);
    expect(leaks(s, [t, jwt, handle])).toEqual([]);
    expect(JSON.parse(out.log.entries[1]!.response.content.text!).result).toEqual({ 'REDACTED-HANDLE-1': true });
  });

  it('writes the marker and comment, leaves the input untouched, and redacting twice changes nothing more', () => {
    const t = sso();
    const input = har(entry({ resHeaders: [['set-cookie', `iPlanetDirectoryPro=${t}; Path=/`]] }));
    const before = text(input);
    const once = redactHar(input).har;
    expect(text(input)).toBe(before);
    const log = once.log as typeof once.log & { _redaction?: { mode: string; counts: Record<string, number> } };
    expect(log._redaction?.mode).toBe('redacted');
    expect(log._redaction?.counts.R1).toBe(1);
    expect(once.log.comment).toMatch(/^Redacted by AM Session Lab/);
    const twice = redactHar(once);
    expect(twice.har.log.entries).toEqual(once.log.entries);
    expect(twice.report.secrets).toEqual([]);
    // A new secret in an already-redacted file gets a number not used yet.
    const more = redactHar(har(...once.log.entries, entry({ resHeaders: [['set-cookie', `iPlanetDirectoryPro=${sso()}; Path=/`]] })));
    expect(more.har.log.entries[1]!.response.headers[0]!.value).toMatch(/^iPlanetDirectoryPro=REDACTED-SSO-2@01;/);
    expect(previewRedaction(input).secrets).toHaveLength(1);
  });

  it('pseudonymizes user names only when asked', () => {
    const body = JSON.stringify({ callbacks: [{ type: 'NameCallback', output: [], input: [{ name: 'IDToken1', value: 'bjensen' }] }] });
    const h = har(entry({ body, resBody: JSON.stringify({ uid: 'bjensen', universalId: 'id=bjensen,ou=user,dc=example' }) }));
    expect(text(redactHar(h).har)).toContain('bjensen');
    const out = text(redactHar(h, { pseudonymizeUsers: true }).har);
    expect(out).not.toContain('bjensen');
    expect(out).toContain('id=REDACTED-USER-1,ou=user');
  });

  it('property: AM tokens placed anywhere (cookie, header, JSON, query, free text) never survive', () => {
    const place = fc.constantFrom('cookie', 'header', 'json', 'query', 'text', 'setcookie');
    fc.assert(
      fc.property(fc.array(fc.tuple(place, fc.constantFrom('01', '02', '03')), { minLength: 1, maxLength: 6 }), (plan) => {
        const secrets: string[] = [];
        const entries = plan.map(([where, si]) => {
          const t = sso(si);
          secrets.push(t);
          if (where === 'cookie') return entry({ reqHeaders: [['cookie', `a=1; iPlanetDirectoryPro=${t}`]] });
          if (where === 'header') return entry({ reqHeaders: [['iplanetdirectorypro', t]] });
          if (where === 'json') return entry({ body: JSON.stringify({ tokenId: t }) });
          if (where === 'query') return entry({ url: `http://127.0.0.1/am/json/sessions?_action=validate&tokenId=${encodeURIComponent(t)}` });
          if (where === 'setcookie') return entry({ resHeaders: [['set-cookie', `iPlanetDirectoryPro=${t}; Path=/`]] });
          return entry({ resBody: `log line: session ${t} used` });
        });
        const out = text(redactHar(har(...entries)).har);
        return leaks(out, secrets).length === 0 && !/\*AAJTSQ/.test(out);
      }),
      { numRuns: 60 },
    );
  });
});

describe('har redact on customer-shaped files (Chrome full and sanitized, Firefox, Safari)', () => {
  for (const file of FIXTURE_FILES) {
    it(`${file}: no secret survives, the file stays valid HAR 1.2`, () => {
      const raw = fixture(file);
      const secrets = harSecrets(raw);
      expect(secrets.size).toBeGreaterThan(2);
      expect(leaks(raw, secrets).length).toBeGreaterThan(0);
      const { har: out } = redactHar(JSON.parse(raw) as Har, { pseudonymizeUsers: true });
      const s = JSON.stringify(out);
      expect(leaks(s, secrets)).toEqual([]);
      expect(s).not.toMatch(/eyJ[\w-]+\.eyJ/);
      expect(s).not.toMatch(/\*AAJTSQ/);
      expect(s).not.toContain('bjensen');
      expect(validateHar(JSON.parse(raw)).errors).toEqual([]);
      expect(validateHar(out).errors).toEqual([]);
    });
  }
});
