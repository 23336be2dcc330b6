import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judge, parseAllowlist, type EngIssue } from '../../scripts/electronegativityGate';

/** The CI gate over electronegativity's findings (reliability-security.md §1.3, T6). */
const issue = (id: string, severity: string, file = 'main/electron.ts'): EngIssue => ({ id, severity, confidence: 'FIRM', file, line: 48, description: 'd' });
const allow = [{ id: 'PRELOAD_JS_CHECK', file: 'main/electron.ts', reason: 'reviewed: the preload exposes only the contract' }];

describe('electronegativity gate', () => {
  it('fails on MEDIUM and HIGH findings not allowed, passes LOW and INFORMATIONAL through for review', () => {
    const v = judge([issue('SANDBOX_JS_CHECK', 'MEDIUM'), issue('CONTEXT_ISOLATION_JS_CHECK', 'HIGH'), issue('CSP_GLOBAL_CHECK', 'LOW'), issue('ELECTRON_VERSION_JSON_CHECK', 'INFORMATIONAL')], [], allow);
    expect(v.failures).toEqual(['SANDBOX_JS_CHECK MEDIUM/FIRM main/electron.ts:48: d', 'CONTEXT_ISOLATION_JS_CHECK HIGH/FIRM main/electron.ts:48: d']);
    expect(v.below.map((i) => i.id)).toEqual(['CSP_GLOBAL_CHECK', 'ELECTRON_VERSION_JSON_CHECK']);
    expect(v.stale).toEqual(allow);
  });

  it('an allow-list entry covers its check in its file only; an unknown severity fails closed', () => {
    const v = judge([issue('PRELOAD_JS_CHECK', 'MEDIUM'), issue('PRELOAD_JS_CHECK', 'MEDIUM', 'main/other.ts'), issue('NEW_CHECK', 'CRITICAL')], [], allow);
    expect(v.allowed).toHaveLength(1);
    expect(v.failures).toEqual(['PRELOAD_JS_CHECK MEDIUM/FIRM main/other.ts:48: d', 'NEW_CHECK CRITICAL/FIRM main/electron.ts:48: d']);
    expect(v.stale).toEqual([]);
  });

  it('a file the tool could not parse fails (its checks never ran); a tolerable parser warning does not', () => {
    const v = judge([], [{ file: 'main/x.ts', message: 'Unexpected token', tolerable: false }, { file: 'main/y.ts', message: 'warning', tolerable: true }], []);
    expect(v.failures).toEqual(['could not parse main/x.ts (its checks did not run): Unexpected token']);
  });

  it('every allow-list entry needs an id, a file and a real reason; the committed list is valid', () => {
    expect(() => parseAllowlist({ allow: [{ id: 'PRELOAD_JS_CHECK', file: 'main/electron.ts', reason: 'ok' }] })).toThrow(/reason/);
    expect(() => parseAllowlist({ allow: [{ id: 'PRELOAD_JS_CHECK', reason: 'a reason long enough to count' }] })).toThrow(/file/);
    expect(() => parseAllowlist([])).toThrow(/expected/);
    const committed = parseAllowlist(JSON.parse(readFileSync('security/electronegativity-allowlist.json', 'utf8')));
    expect(committed.map((e) => e.id).sort()).toEqual(['AUXCLICK_JS_CHECK', 'PRELOAD_JS_CHECK']);
  });
});
