import { realpathSync } from 'node:fs';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Har } from 'har-format';
import { diagnose, type Finding } from '../lab/trace/diagnose';
import { listFlows } from '../lab/trace/flows';
import { DEFAULT_MAX_BYTES, HarImportError, importHar, parseHar, type ImportResult } from '../lab/trace/harImport';
import { redactHar } from '../lab/trace/redact';
import { sequenceModel } from '../lab/trace/sequence';
import { sequenceSvg } from '../sequenceSvg';

/**
 * `session-lab har …`: work on HAR files from customers or from the lab.
 *   diagnose FILE [--json]   the findings (exit 0), or exit 2 on unreadable/malformed input
 *   redact IN OUT            a redacted copy (never over IN), mode 0600
 *   sequence IN OUT.svg      the sequence diagram of the file or of one flow
 * Actions return exit codes through `run*` functions so tests call them without a process.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

export class CliInputError extends Error {}

/** Reads a HAR with the importer's checks; size is checked on disk before anything is read. */
async function readHarText(file: string, maxMb: number): Promise<string> {
  const maxBytes = Math.floor(maxMb * 1024 * 1024);
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw new CliInputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!st.isFile()) throw new CliInputError(`${file} is not a file`);
  if (st.size > maxBytes) throw new CliInputError(`${file} is ${Math.round(st.size / 1024 / 1024)} MB, over the ${maxMb} MB limit (--max-mb to raise it)`);
  return readFile(file, 'utf8');
}

async function guarded(io: Io, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliInputError || e instanceof HarImportError) {
      io.err(`session-lab: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

export function runDiagnose(file: string, o: { json?: boolean; maxMb?: number }, io: Io = processIo): Promise<number> {
  return guarded(io, async () => {
    const text = await readHarText(file, o.maxMb ?? DEFAULT_MAX_BYTES / 1024 / 1024);
    const imported = importHar(text, { maxBytes: Number.MAX_SAFE_INTEGER });
    const findings = diagnose(imported.items);
    if (o.json) {
      io.out(JSON.stringify({ file, creator: imported.creator, redaction: imported.redaction, entries: imported.items.filter((i) => i.kind === 'exchange').length, warnings: imported.warnings, findings }, null, 2) + '\n');
    } else io.out(formatReport(file, imported, findings));
    return 0;
  });
}

const MARK: Record<Finding['severity'], string> = { error: 'ERROR', warning: 'WARN ', info: 'INFO ' };

export function formatReport(file: string, imported: ImportResult, findings: Finding[]): string {
  const n = imported.items.filter((i) => i.kind === 'exchange').length;
  const lines = [`${file}: ${imported.creator} HAR, ${n} entr${n === 1 ? 'y' : 'ies'}${imported.redaction === 'redacted' ? ' (redacted)' : ''}`];
  for (const w of imported.warnings) lines.push(`  note: ${w}`);
  lines.push('');
  if (!findings.length) lines.push('No 401, failed login step, ended session or node loss found.');
  for (const f of findings) {
    lines.push(`${MARK[f.severity]} ${f.sentence}`);
    for (const e of f.evidence) lines.push(`        - ${e}`);
    if (f.fix) lines.push(`        Fix: ${f.fix.replace(/\.$/, '')}.`);
    lines.push('');
  }
  const counts = (['error', 'warning', 'info'] as const).map((s) => `${findings.filter((f) => f.severity === s).length} ${s}`).join(', ');
  lines.push(`${findings.length} finding${findings.length === 1 ? '' : 's'}: ${counts}`);
  return lines.join('\n') + '\n';
}

/** IN and OUT must differ, even through symlinks or `./` spellings. */
function sameFile(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

async function writeOutput(out: string, data: string, force: boolean | undefined): Promise<void> {
  try {
    await writeFile(out, data, { mode: 0o600, flag: force ? 'w' : 'wx' });
    // An existing file keeps its old mode on overwrite: make it owner-only as well.
    await chmod(out, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliInputError(`${out} already exists (use --force to overwrite it)`);
    throw new CliInputError(`cannot write ${out}: ${(e as Error).message}`);
  }
}

export function runRedact(input: string, output: string, o: { keepUsers?: boolean; force?: boolean; maxMb?: number }, io: Io = processIo): Promise<number> {
  return guarded(io, async () => {
    if (sameFile(input, output)) throw new CliInputError('OUT must be a different file from IN: the original is never overwritten');
    const text = await readHarText(input, o.maxMb ?? DEFAULT_MAX_BYTES / 1024 / 1024);
    const root = parseHar(text, { maxBytes: Number.MAX_SAFE_INTEGER });
    const { har, report } = redactHar(root as unknown as Har, { pseudonymizeUsers: !o.keepUsers });
    await writeOutput(output, JSON.stringify(har, null, 2) + '\n', o.force);
    const byKind = new Map<string, number>();
    for (const s of report.secrets) byKind.set(s.kind, (byKind.get(s.kind) ?? 0) + 1);
    const kinds = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ');
    const total = Object.values(report.counts).reduce((a, b) => a + (b ?? 0), 0);
    io.err(`Wrote ${output} (mode 0600): ${report.secrets.length} distinct secret${report.secrets.length === 1 ? '' : 's'} replaced in ${total} place${total === 1 ? '' : 's'}${kinds ? ` (${kinds})` : ''}${o.keepUsers ? '; user names kept' : '; user names pseudonymized'}.\n`);
    return 0;
  });
}

export function runSequence(input: string, output: string, o: { flow?: string; listFlows?: boolean; force?: boolean }, io: Io = processIo): Promise<number> {
  return guarded(io, async () => {
    const text = await readHarText(input, DEFAULT_MAX_BYTES / 1024 / 1024);
    const { items } = importHar(text);
    const flows = listFlows(items);
    if (o.listFlows) {
      io.out(flows.map((f) => `${f.id}\t${f.title}\t${f.exchangeIds.length} exchange${f.exchangeIds.length === 1 ? '' : 's'}`).join('\n') + '\n');
      return 0;
    }
    if (sameFile(input, output)) throw new CliInputError('OUT must be a different file from IN');
    const flow = o.flow ? flows.find((f) => f.id === o.flow) : undefined;
    if (o.flow && !flow) throw new CliInputError(`no flow ${o.flow} in ${input} (see --list-flows)`);
    const svg = sequenceSvg(sequenceModel(items, { exchangeIds: flow?.exchangeIds, title: `${input}${flow ? ` — ${flow.title}` : ''}` }));
    await writeOutput(output, svg, o.force);
    io.err(`Wrote ${output}${flow ? ` (${flow.title})` : ''}.\n`);
    return 0;
  });
}
