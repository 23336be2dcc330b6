import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceExchange } from '../../main/contract';
import { Lab } from '../../main/lab/lab';
import { perform } from '../../main/lab/perform';
import { asCurl, asFetch } from '../../renderer/lib/copyAs';
import { DEMO } from './helpers';

const run = promisify(execFile);

/**
 * "Copy as cURL / fetch" (renderer/lib/copyAs.ts): what the window copies, pasted as a support
 * engineer would, replays the request against the lab with the browser's cookies. validate is
 * POST /json/realms/root/sessions?_action=validate (AM 7 REST, sessions endpoint,
 * https://backstage.forgerock.com/docs/am/7/sessions-guide/managing-sessions-REST.html).
 */
describe('copy a recorded request as cURL or fetch, and send it again', () => {
  let lab: Lab;
  let validate: TraceExchange;

  beforeAll(async () => {
    lab = await Lab.start({ nodes: 2, policy: 'sticky' });
    const b = lab.createBrowser('Support laptop');
    await perform(lab, { action: 'login', browser: b.id, username: DEMO[0], password: DEMO[1] });
    const done = await perform(lab, { action: 'validate', browser: b.id });
    validate = done.exchanges.at(-1)!;
    expect(JSON.parse(validate.response.body)).toMatchObject({ valid: true });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the cURL command, run by curl, is answered as the browser was: the session cookie went with it', async () => {
    const cmd = asCurl(validate);
    expect(cmd).toMatch(/-H 'cookie: [^']*iPlanetDirectoryPro=/i);
    const { stdout } = await run('sh', ['-c', cmd], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toMatchObject({ valid: true, uid: 'demo' });
  });

  it('the fetch call, run in Node, is answered the same way', async () => {
    const code = `(async () => { const r = ${asFetch(validate).replace(/;$/, '')}; process.stdout.write(await r.text()); })()`;
    const { stdout } = await run(process.execPath, ['-e', code], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toMatchObject({ valid: true, uid: 'demo' });
  });

  it('quotes a body with single quotes so the shell sends it unchanged', async () => {
    const login = lab.recorder.items().find((i): i is TraceExchange => i.kind === 'exchange' && i.request.body.includes('callbacks'))!;
    const odd = { ...login, request: { ...login.request, body: login.request.body.replace('"demo"', `"o'brien $HOME"`) } };
    const cmd = asCurl(odd);
    // Echo the body back through the shell: what curl would send is exactly the recorded text.
    const { stdout } = await run('sh', ['-c', cmd.replace(/^curl [\s\S]*--data-raw /, 'printf %s ')]);
    expect(stdout).toBe(odd.request.body);
    expect(stdout).toContain(`o'brien $HOME`);
  });
});
