import type { RecipeResult } from './runner';

const esc = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/**
 * JUnit XML for CI: one testsuite per recipe run (variant), one testcase per step, a failure per
 * expectation that did not hold, naming what was expected and what was observed.
 */
export function toJUnit(results: RecipeResult[]): string {
  const suites = results.map((r) => {
    const name = r.variant ? `${r.name} [${r.variant}]` : r.name;
    const cases = r.steps.map((s) => {
      const caseName = `step ${s.index + 1} (line ${s.line}) ${s.label}`;
      const time = (s.durationMs / 1000).toFixed(3);
      const open = `    <testcase classname="${esc(`recipe.${name}`)}" name="${esc(caseName)}" time="${time}">`;
      if (s.status === 'skipped') return `${open}<skipped message="${esc(s.summary)}"/></testcase>`;
      const failed = s.expectations.filter((e) => !e.passed);
      if (!failed.length) return `${open}</testcase>`;
      const tag = s.status === 'error' ? 'error' : 'failure';
      const body = failed.map((e) => `<${tag} message="${esc(e.message)}" type="expectation">${esc(`expected ${e.expected}\nobserved ${e.observed}`)}</${tag}>`).join('');
      return `${open}${body}</testcase>`;
    });
    const failures = r.steps.filter((s) => s.status === 'failed').length;
    const errors = r.steps.filter((s) => s.status === 'error').length;
    const skipped = r.steps.filter((s) => s.status === 'skipped').length;
    return [
      `  <testsuite name="${esc(name)}" tests="${r.steps.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${(r.durationMs / 1000).toFixed(3)}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  const total = (f: (r: RecipeResult) => number) => results.reduce((n, r) => n + f(r), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="session-lab recipes" tests="${total((r) => r.steps.length)}" failures="${total((r) => r.steps.filter((s) => s.status === 'failed').length)}" errors="${total((r) => r.steps.filter((s) => s.status === 'error').length)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
