import { describe, expect, it } from 'vitest';
import { decodeExtensions, encodeExtensions, mintToken, parseToken, secretEquals } from '../../main/lab/am/tokens';

describe('SSO token format', () => {
  it('decodes a real AM 6.5 token extension (fixture from am-rest.md §3)', () => {
    expect(decodeExtensions('AAJTSQACMDEAAlNLAAN4eXoABHR5cGUAA0NUUwACUzEAAA..')).toEqual({ SI: '01', SK: 'xyz', type: 'CTS', S1: '' });
  });

  it('round-trips extensions and mints <id>.*<ext>* with 160 random bits', () => {
    const ext = { SI: '02', SK: 'abc', type: 'CTS', S1: '' };
    expect(decodeExtensions(encodeExtensions(ext))).toEqual(ext);
    const t = mintToken(ext);
    expect(t).toMatch(/^[A-Za-z0-9_-]{27}\.\*[A-Za-z0-9_.-]+\*$/);
    expect(parseToken(t)).toMatchObject({ ext, suffix: '' });
  });

  it('10,000 minted tokens are all distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(mintToken({ SI: '01' }).split('*')[0]!);
    expect(seen.size).toBe(10_000);
  });

  it('rejects malformed tokens instead of throwing', () => {
    for (const bad of ['', 'abc', '*', 'a*b', 'a*%%%*', 'x'.repeat(20_000)]) expect(parseToken(bad)).toBeUndefined();
  });

  it('secretEquals compares in constant time and handles different lengths', () => {
    expect(secretEquals('Ch4ng31t', 'Ch4ng31t')).toBe(true);
    expect(secretEquals('Ch4ng31t', 'Ch4ng31')).toBe(false);
    expect(secretEquals('', 'x')).toBe(false);
  });
});
