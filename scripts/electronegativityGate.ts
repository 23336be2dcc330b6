/**
 * The CI gate over electronegativity's findings: any finding at MEDIUM or above fails unless the
 * allow-list names it (check id + file) with a reason; a file the tool could not parse fails too,
 * since its checks never ran. The tool itself always exits 0 (reliability-security.md §1.3).
 */
export interface EngIssue {
  id: string;
  severity: string;
  confidence: string;
  file: string;
  line: number;
  description: string;
}

export interface EngError {
  file: string;
  message: string;
  tolerable: boolean;
}

export interface AllowEntry {
  id: string;
  file: string;
  reason: string;
}

export interface Verdict {
  failures: string[];
  allowed: EngIssue[];
  /** Findings under the gate (LOW, INFORMATIONAL): printed for review, never failing. */
  below: EngIssue[];
  /** Allow-list entries no finding matched any more: worth removing. */
  stale: AllowEntry[];
}

const RANK: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };
/** An unknown severity counts as the highest: the gate fails closed. */
const rank = (severity: string) => RANK[severity.toUpperCase()] ?? Number.MAX_SAFE_INTEGER;

export function parseAllowlist(json: unknown): AllowEntry[] {
  const list = (json as { allow?: unknown })?.allow;
  if (!Array.isArray(list)) throw new Error('allow-list: expected {"allow": [{"id", "file", "reason"}, …]}');
  return list.map((e, i) => {
    const { id, file, reason } = (e ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || typeof file !== 'string' || typeof reason !== 'string' || reason.trim().length < 20) {
      throw new Error(`allow-list entry ${i}: needs a check id, a file and a reason (a sentence, not a word)`);
    }
    return { id, file, reason };
  });
}

export function judge(issues: EngIssue[], errors: EngError[], allow: AllowEntry[]): Verdict {
  const failures: string[] = [];
  const allowed: EngIssue[] = [];
  const below: EngIssue[] = [];
  const used = new Set<AllowEntry>();
  for (const i of issues) {
    if (rank(i.severity) < RANK.MEDIUM!) {
      below.push(i);
      continue;
    }
    const entry = allow.find((a) => a.id === i.id && a.file === i.file);
    if (entry) {
      used.add(entry);
      allowed.push(i);
    } else failures.push(`${i.id} ${i.severity}/${i.confidence} ${i.file}:${i.line}: ${i.description}`);
  }
  for (const e of errors) if (!e.tolerable) failures.push(`could not parse ${e.file} (its checks did not run): ${e.message}`);
  return { failures, allowed, below, stale: allow.filter((a) => !used.has(a)) };
}
