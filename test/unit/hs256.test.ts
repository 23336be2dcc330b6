import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtRejected, signHs256, verifyHs256 } from '../../main/lab/am/hs256';

// RFC 7515 (JWS compact serialization, HS256) and RFC 7519 §4.1.4/4.1.5 (exp, nbf): the authId and
// client-based sessions are checked as jose's jwtVerify with algorithms ['HS256'] checks them.
const secret = randomBytes(32);
const NOW = Date.UTC(2026, 0, 1);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const why = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof JwtRejected) return e.reason;
    throw e;
  }
  return 'accepted';
};

describe('HS256 JWTs with node:crypto', () => {
  it('a token it signs is one jose verifies, and the other way round', async () => {
    const jwt = signHs256({ sessionId: 'abc', exp: NOW / 1000 + 60 }, secret);
    const { payload, protectedHeader } = await jwtVerify(jwt, secret, { algorithms: ['HS256'], currentDate: new Date(NOW) });
    expect(payload).toEqual({ sessionId: 'abc', exp: NOW / 1000 + 60 });
    expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'HS256' });
    const theirs = await new SignJWT({ realm: '/alpha' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(NOW / 1000 + 60).sign(secret);
    expect(verifyHs256(theirs, secret, NOW)).toEqual({ realm: '/alpha', exp: NOW / 1000 + 60 });
  });

  it('a changed signature, payload or key is a signature failure', () => {
    const [h, p, s] = signHs256({ a: 1 }, secret).split('.') as [string, string, string];
    expect(why(() => verifyHs256(`${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`, secret, NOW))).toBe('signature');
    expect(why(() => verifyHs256(`${h}.${b64({ a: 2 })}.${s}`, secret, NOW))).toBe('signature');
    expect(why(() => verifyHs256(`${h}.${p}.${s}`, randomBytes(32), NOW))).toBe('signature');
    expect(why(() => verifyHs256(`${h}.${p}.`, secret, NOW))).toBe('signature');
  });

  it('alg none, another algorithm, crit and malformed tokens are refused before any signature check', () => {
    const p = b64({ a: 1 });
    expect(why(() => verifyHs256(`${b64({ alg: 'none' })}.${p}.`, secret, NOW))).toBe('invalid');
    const hs512 = `${b64({ alg: 'HS512' })}.${p}`;
    expect(why(() => verifyHs256(`${hs512}.${signHs256({}, secret).split('.')[2]}`, secret, NOW))).toBe('invalid');
    expect(why(() => verifyHs256(`${b64({ alg: 'HS256', crit: ['b64'], b64: false })}.${p}.x`, secret, NOW))).toBe('invalid');
    for (const bad of ['not-a-jwt', 'a.b', 'a.b.c.d', '', 42, `${b64([1])}.${p}.x`, 'e30.e30.c2l*']) expect(why(() => verifyHs256(bad, secret, NOW))).toBe('invalid');
  });

  it('exp at or before now is expired; nbf after now and non-numeric dates are invalid; claims must be an object', () => {
    expect(why(() => verifyHs256(signHs256({ exp: NOW / 1000 }, secret), secret, NOW))).toBe('expired');
    expect(why(() => verifyHs256(signHs256({ exp: NOW / 1000 + 1 }, secret), secret, NOW + 999))).toBe('accepted');
    expect(why(() => verifyHs256(signHs256({ nbf: NOW / 1000 + 1 }, secret), secret, NOW))).toBe('invalid');
    expect(why(() => verifyHs256(signHs256({ exp: '2030' }, secret), secret, NOW))).toBe('invalid');
    const [h] = signHs256({}, secret).split('.');
    const array = `${h}.${b64([1, 2])}`;
    expect(why(() => verifyHs256(`${array}.${createHmac('sha256', secret).update(array).digest('base64url')}`, secret, NOW))).toBe('invalid');
  });
});
