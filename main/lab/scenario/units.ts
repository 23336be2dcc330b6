import { z } from 'zod';

/**
 * The small values of the recipe format, shared by the step grammar and the recipe schema: user
 * and variant names, node ids as AM names servers, and durations as people write them.
 */

export const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
export const UserNameSchema = z.string().regex(NAME, 'a user name: a letter, then letters, digits, _ or - (at most 32)');

/** A node id as AM names servers: "01", "02"… A bare YAML 1 or "1" means "01". */
export const NodeIdSchema = z
  .union([z.string(), z.number().int()])
  .transform((v) => (typeof v === 'number' || /^\d$/.test(v) ? String(v).padStart(2, '0') : v))
  .pipe(z.string().regex(/^0[1-9]$/, 'a node id such as "01" (quote it in YAML)'));

/** "31m", "90s", "1h30m", "500ms" → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const s = text.replace(/\s+/g, '');
  if (!s) return undefined;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|min|s|m|h|d)/g)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed === s.length ? Math.round(total) : undefined;
}

export function formatMs(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size && (rest % size === 0 || unit !== 's' || parts.length)) {
      const n = Math.floor(rest / size);
      if (n) parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  if (rest) parts.push(`${rest}ms`);
  return parts.join('') || '0s';
}

export const DurationSchema = z.string({ error: 'a duration such as 31m, 90s, 1h30m or 500ms' }).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration; write e.g. 31m, 90s, 1h30m or 500ms` });
    return z.NEVER;
  }
  return ms;
});
