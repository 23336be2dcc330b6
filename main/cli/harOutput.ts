import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { exportHar } from '../lab/trace/har';
import type { TraceItem } from '../lab/trace/types';

/** Writes the trace as HAR 1.2 (redacted unless told otherwise), readable by the owner only. */
export async function writeHarFile(file: string, items: TraceItem[], redact: boolean, knownSecrets: { value: string; kind: 'password' }[] = []): Promise<number> {
  const har = exportHar(items, { redact, redactOptions: { knownSecrets } });
  await writeJsonStreamed(file, har);
  return har.log.entries.length;
}

/**
 * Writes a HAR as pretty JSON one entry at a time: a whole trace serialized as one string can pass
 * V8's string limit (~512 MB, "RangeError: Invalid string length") and would double the memory.
 * The output is the same as JSON.stringify(value, null, 2).
 */
export async function writeJsonStreamed(file: string, value: { log: object }): Promise<void> {
  const out = createWriteStream(file, { mode: 0o600 });
  const failed = once(out, 'error').then(([e]) => Promise.reject(e as Error));
  failed.catch(() => undefined);
  const write = async (s: string) => {
    if (!out.write(s)) await Promise.race([once(out, 'drain'), failed]);
  };
  const indent = (v: unknown, pad: string) => JSON.stringify(v, null, 2).replace(/\n/g, `\n${pad}`);
  const fields = Object.entries(value.log).filter(([, v]) => v !== undefined);
  await write('{\n  "log": {');
  for (const [i, [key, v]] of fields.entries()) {
    await write(`${i ? ',' : ''}\n    ${JSON.stringify(key)}: `);
    if (!Array.isArray(v) || !v.length) await write(indent(v, '    '));
    else {
      await write('[');
      for (const [j, item] of v.entries()) await write(`${j ? ',' : ''}\n      ${indent(item, '      ')}`);
      await write('\n    ]');
    }
  }
  await write('\n  }\n}\n');
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}
