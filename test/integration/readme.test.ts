import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readmeBlock as block, startLab } from './helpers';

/** The README's curl commands must work as printed: each marked block runs in bash against a lab. */
const sh = promisify(execFile);

describe('README curl commands', () => {
  it('reproduce the seed 401 without stickiness, then log in, validate and log out with stickiness', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'readme-'));
    try {
      const login = await block('curl');
      const broken = await startLab({ nodes: 3 });
      const a = await sh('bash', ['-c', login], { cwd: dir, env: { ...process.env, AM: broken.balancerUrl } });
      const lines = a.stdout.trim().split('\n');
      expect(JSON.parse(lines[0]!)).toMatchObject({ successUrl: '/am/console', realm: '/' });
      expect(lines[1]).toBe('{"code":401,"reason":"Unauthorized","message":"Session has timed out"}');

      const fixed = await startLab({ nodes: 3, policy: 'sticky' });
      const b = await sh('bash', ['-c', login], { cwd: dir, env: { ...process.env, AM: fixed.balancerUrl } });
      expect(JSON.parse(b.stdout.trim().split('\n')[1]!)).toHaveProperty('tokenId');
      const session = await sh('bash', ['-c', `H=(-H 'Content-Type: application/json' -H 'Accept-API-Version: resource=2.0, protocol=1.0')\n${await block('session')}`], { cwd: dir, env: { ...process.env, AM: fixed.balancerUrl } });
      const [validate, logout] = session.stdout.replace(/}\{/g, '}\n{').trim().split('\n');
      expect(JSON.parse(validate!)).toMatchObject({ valid: true, uid: 'demo' });
      expect(JSON.parse(logout!)).toEqual({ result: 'Successfully logged out' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
