import { describe, expect, it } from 'vitest';
import { LabClock, MINUTE } from '../../main/lab/clock';
import { parseConfig, type LabConfigInput } from '../../main/lab/config';
import { EmbeddedTokenStore } from '../../main/lab/cts/store';
import { generateKeys } from '../../main/lab/am/keys';
import { SessionService } from '../../main/lab/am/sessionService';
import { UserStore } from '../../main/lab/am/users';
import { isEvent } from '../../main/contract/trace';
import type { LabEvent } from '../../main/lab/trace/types';

const keys = await generateKeys();

function setup(cfg: LabConfigInput = {}) {
  let real = 0;
  const clock = new LabClock({ start: Date.UTC(2026, 0, 1) }, () => real);
  const config = parseConfig({ latestAccessUpdateSeconds: 0, ...cfg });
  const emitted: LabEvent[] = [];
  const cts = new EmbeddedTokenStore();
  const svc = new SessionService({ config: () => config, clock, cts, keys, emit: (type, f) => void emitted.push({ kind: 'event', type, data: f.data } as LabEvent) });
  const demo = new UserStore({}).identity('demo', '/')!;
  return { clock, svc, cts, emitted, demo, tick: (ms: number) => (real += ms) };
}

describe('session lifecycle', () => {
  it('create → valid on any node → idle expiry seen on access', async () => {
    const { clock, svc, demo, emitted } = setup({ maxIdleTime: 30 });
    const { token } = await svc.create(demo, '/', { node: '01' });
    expect((await svc.resolve(token, { node: '03' })).valid).toBe(true);
    clock.advance(29 * MINUTE);
    expect((await svc.resolve(token, { node: '02' }, 'granular')).valid).toBe(true);
    clock.advance(29 * MINUTE); // access at 29 reset the idle clock
    expect((await svc.resolve(token, { node: '02' })).valid).toBe(true);
    clock.advance(2 * MINUTE);
    expect(await svc.resolve(token, { node: '02' })).toEqual({ valid: false, why: 'idle' });
    expect(emitted.filter(isEvent('session-terminated')).map((e) => e.data.reason)).toEqual(['idle']);
  });

  it('idle resets only when the access is written (latest access update frequency)', async () => {
    const { clock, svc, demo } = setup({ maxIdleTime: 2, latestAccessUpdateSeconds: 60 });
    const { token } = await svc.create(demo, '/', { node: '01' });
    clock.advance(30_000);
    await svc.resolve(token, { node: '01' }, 'granular'); // under 60 s since the last write: not written
    clock.advance(100_000); // 130 s after creation, 100 s after the unwritten access
    expect(await svc.resolve(token, { node: '01' })).toEqual({ valid: false, why: 'idle' });
  });

  it('the reaper removes expired sessions once, with the right reason', async () => {
    const { clock, svc, demo, emitted, cts } = setup({ maxSessionTime: 10, maxIdleTime: 30 });
    await svc.create(demo, '/', { node: '01' });
    clock.advance(11 * MINUTE);
    expect(await svc.reap()).toBe(1);
    expect(await svc.reap()).toBe(0);
    expect(await cts.count('SESSION')).toBe(0);
    expect(emitted.filter(isEvent('session-terminated')).map((e) => [e.data.reason, e.data.detectedBy])).toEqual([['max-time', 'reaper']]);
  });

  it('logout and admin termination end a session once; a second end reports it already dead', async () => {
    const { svc, demo } = setup();
    const a = await svc.create(demo, '/', { node: '01' });
    expect(await svc.end(a.token, 'logout', { node: '02' })).toBe(true);
    expect(await svc.end(a.token, 'logout', { node: '02' })).toBe(false);
    const b = await svc.create(demo, '/', { node: '01' });
    expect(await svc.endByHandle(b.session.handle, { node: '01' })).toBe(true);
    expect(await svc.resolve(b.token, { node: '01' })).toEqual({ valid: false, why: 'unknown' });
  });

  it('a token with a valid storage key but a different id is rejected as forged', async () => {
    const { svc, demo } = setup();
    const { token } = await svc.create(demo, '/', { node: '01' });
    const forged = 'A'.repeat(27) + '.' + token.slice(token.indexOf('*'));
    expect(await svc.resolve(forged, { node: '01' })).toEqual({ valid: false, why: 'forged' });
    expect((await svc.resolve(token, { node: '01' })).valid).toBe(true);
  });

  it('client-based sessions: no idle timeout, expiry at max time, tampering rejected', async () => {
    const { clock, svc, demo } = setup({ sessions: 'client', maxIdleTime: 1, maxSessionTime: 60 });
    const { token } = await svc.create(demo, '/', { node: '01' });
    clock.advance(30 * MINUTE);
    expect((await svc.resolve(token, { node: '02' })).valid).toBe(true);
    const [h, p, s] = token.slice(token.lastIndexOf('*') + 1).split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = token.slice(0, token.lastIndexOf('*') + 1) + [h, Buffer.from(JSON.stringify({ ...payload, admin: true })).toString('base64url'), s].join('.');
    expect(await svc.resolve(tampered, { node: '02' })).toEqual({ valid: false, why: 'forged' });
    const none = token.slice(0, token.lastIndexOf('*') + 1) + [Buffer.from('{"alg":"none"}').toString('base64url'), p, ''].join('.');
    expect(await svc.resolve(none, { node: '02' })).toEqual({ valid: false, why: 'forged' });
    clock.advance(31 * MINUTE);
    expect(await svc.resolve(token, { node: '02' })).toEqual({ valid: false, why: 'max-time' });
  });
});
