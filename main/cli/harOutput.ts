import { writeFile } from 'node:fs/promises';
import { exportHar } from '../lab/trace/har';
import type { TraceItem } from '../lab/trace/types';

/** Writes the trace as HAR 1.2 (redacted unless told otherwise), readable by the owner only. */
export async function writeHarFile(file: string, items: TraceItem[], redact: boolean): Promise<number> {
  const har = exportHar(items, { redact });
  await writeFile(file, JSON.stringify(har, null, 2), { mode: 0o600 });
  return har.log.entries.length;
}
