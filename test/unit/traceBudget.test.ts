import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJsonStreamed } from '../../main/cli/harOutput';
import { mintToken, storageKey } from '../../main/lab/am/tokens';
import { LabClock } from '../../main/lab/clock';
import { exportHar } from '../../main/lab/trace/har';
import { keepBody, TraceRecorder } from '../../main/lab/trace/recorder';
import type { TraceExchange } from '../../main/lab/trace/types';

/** An exchange as the balancer records it, with bodies of the given sizes kept under the recorder's cap. */
function record(r: TraceRecorder, id: number, reqBytes: number, resBytes: number): TraceExchange {
  return r.recordExchange({
    id: `x-${id}`,
    browser: null,
    labStart: id,
    labEnd: id,
    realStart: 1_700_000_000_000 + id,
    request: { method: 'POST', url: `http://127.0.0.1/am/json/x?i=${id}`, path: `/am/json/x?i=${id}`, httpVersion: 'HTTP/1.1', headers: [['content-type', 'application/json']], ...r.keepBody(Buffer.alloc(reqBytes, 'a ')) },
    routing: { policy: 'round-robin', reason: 'round-robin', cookie: null, node: '01', redispatched: false, attempts: [{ node: '01', outcome: '200' }] },
    response: { status: 200, statusText: 'OK', headers: [['content-type', 'text/plain']], ...r.keepBody(Buffer.alloc(resBytes, 'b ')) },
    timings: { send: 0, wait: 1, receive: 0, total: 1 },
  });
}

describe('trace bodies: capped, with a marker, never cutting a secret in half', () => {
  it('keeps a body under the cap whole, and cuts a longer one with a marker naming what was sent', () => {
    expect(keepBody(Buffer.from('{"ok":true}'), 64)).toEqual({ body: '{"ok":true}', bodySize: 11 });
    const cut = keepBody(Buffer.from(`${'x '.repeat(100)}`), 50);
    expect(cut.truncated).toBe(true);
    expect(cut.bodySize).toBe(200);
    expect(cut.body).toBe(`${'x '.repeat(25)}…[body truncated by the lab trace: 200 bytes, first 50 kept]`);
  });

  it('cuts on a UTF-8 character boundary', () => {
    const cut = keepBody(Buffer.from('é'.repeat(40)), 31);
    expect(cut.body.startsWith('é'.repeat(15) + '…[')).toBe(true);
    expect(cut.body).not.toContain('\uFFFD');
  });

  it('drops a token, JWT or base64 run the cut would split, so no fragment of a secret stays', () => {
    const token = mintToken({ SI: '01', SK: storageKey(), type: 'CTS', S1: '' });
    const body = Buffer.from(`{"note":"the session","tokenId":"${token}","x":"${'y'.repeat(200)}"}`);
    const at = body.indexOf(token) + 10;
    const cut = keepBody(body, at);
    expect(cut.body).toBe(`{"note":"the session","tokenId":"…[body truncated by the lab trace: ${body.length} bytes, first ${body.indexOf(token)} kept]`);
    expect(cut.body).not.toContain(token.slice(0, 8));
  });
});

describe('the trace is bounded in bytes as well as in items', () => {
  it('past its budget the oldest items go first (exchanges and events alike), and what it holds stays within the budget', () => {
    const r = new TraceRecorder(new LabClock(), { capacity: 10_000, budgetBytes: 1024 * 1024, bodyBytes: 64 * 1024 });
    r.emit('config-changed', { data: { key: 'policy', from: 'round-robin', to: 'sticky' } });
    for (let i = 0; i < 100; i++) record(r, i, 60_000, 100_000);
    const s = r.stats();
    expect(s.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(s.budgetBytes).toBe(1024 * 1024);
    // 60 KB + 64 KiB (the cap) per exchange: a 1 MiB budget holds 8 of them, the newest.
    expect(s.exchanges).toBe(8);
    expect(r.exchanges().map((x) => x.id)).toEqual(Array.from({ length: 8 }, (_, i) => `x-${92 + i}`));
    expect(s.droppedExchanges).toBe(92);
    expect(r.events()).toEqual([]);
    expect(s.droppedEvents).toBe(1);
    // Small exchanges fit by the thousand: the item cap still applies too.
    const small = new TraceRecorder(new LabClock(), { capacity: 50, budgetBytes: 1024 * 1024, bodyBytes: 64 * 1024 });
    for (let i = 0; i < 80; i++) record(small, i, 20, 40);
    expect(small.stats()).toMatchObject({ exchanges: 50, droppedExchanges: 30 });
  });

  it('a cut body is marked in the trace and in HAR (text marker, comment, _truncated), with the size that was really sent', () => {
    const r = new TraceRecorder(new LabClock(), { capacity: 100, budgetBytes: 64 * 1024 * 1024, bodyBytes: 4096 });
    const x = record(r, 1, 60_000, 100);
    expect(x.request).toMatchObject({ bodySize: 60_000, truncated: true });
    expect(x.request.body).toMatch(/…\[body truncated by the lab trace: 60000 bytes, first 4096 kept\]$/);
    expect(x.response.truncated).toBeUndefined();
    const entry = exportHar(r.items()).log.entries[0]!;
    expect(entry.request.bodySize).toBe(60_000);
    expect(entry.request.postData).toMatchObject({ comment: expect.stringMatching(/truncated by the lab trace: 60000 bytes/), _truncated: true });
    expect(entry.request.postData!.text).toMatch(/first 4096 kept\]$/);
    expect(entry.response.content).not.toHaveProperty('_truncated');
  });
});

describe('HAR written as a stream', () => {
  it('writes, entry by entry, exactly what JSON.stringify(har, null, 2) would, with mode 0600', async () => {
    const r = new TraceRecorder(new LabClock(), { capacity: 100, budgetBytes: 64 * 1024 * 1024, bodyBytes: 64 * 1024 });
    for (let i = 0; i < 5; i++) record(r, i, 10, 20);
    r.emit('node-down', { node: '01', data: { by: 'operator' } });
    const har = exportHar(r.items());
    const dir = await mkdtemp(join(tmpdir(), 'har-'));
    try {
      const file = join(dir, 'trace.har');
      await writeJsonStreamed(file, har);
      expect(await readFile(file, 'utf8')).toBe(`${JSON.stringify(har, null, 2)}\n`);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      await writeJsonStreamed(file, { log: { version: '1.2', entries: [], pages: [] } });
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ log: { version: '1.2', entries: [], pages: [] } });
      await expect(writeJsonStreamed(join(dir, 'missing', 'x.har'), har)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
