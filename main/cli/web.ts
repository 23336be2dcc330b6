import type { Command } from 'commander';
import { DEMO_LABEL, DEMO_USER, TOKEN_HEADER } from '../contract/names';
import { addLabFlags, intIn, labOptionsFrom, type LabFlags } from './labFlags';
import { startLab, untilSignal } from './serve';

/**
 * `session-lab web`: the lab plus its window, served on 127.0.0.1 for any browser. The first
 * stdout line is the URL with the per-launch token; scripts read it to drive the lab over HTTP.
 */
export function register(program: Command): void {
  const cmd = program
    .command('web')
    .description('run the lab and serve its window on 127.0.0.1 (the browser host; also what the e2e tests drive)')
    .option('--port <port>', 'port of the window (0 = any free port)', intIn(0, 65535), 0)
    .option('--balancer-port <port>', 'port of the balancer (0 = any free port)', intIn(0, 65535), 0)
    .option('--renderer <dir>', 'directory of the built window (default: out/renderer)');
  addLabFlags(cmd, { port: false });
  cmd.action(async (flags: LabFlags & { port: number; balancerPort: number; renderer?: string }) => {
    // The window's host (WebSocket server, the bridge's operations) loads only for `web`, beside the lab.
    const [lab, { LabBridge }, { startWebHost }] = await Promise.all([startLab(labOptionsFrom({ ...flags, port: flags.balancerPort })), import('../bridge'), import('../web')]);
    const bridge = new LabBridge(lab);
    let host;
    try {
      host = await startWebHost({ bridge, port: flags.port, rendererDir: flags.renderer });
    } catch (e) {
      bridge.close();
      await lab.stop();
      throw e;
    }
    process.stdout.write(host.url + '\n');
    process.stderr.write(
      [
        `AM Session Lab window: ${host.url}`,
        `  balancer ${lab.balancerUrl}, ${lab.nodes.length} nodes, policy ${lab.config.policy}, auth ${lab.config.auth}`,
        `  user ${DEMO_USER.username} / ${DEMO_USER.password} (${DEMO_LABEL})`,
        `  scripts: curl -X POST -H '${TOKEN_HEADER}: ${host.token}' -H 'content-type: application/json' -d '{}' ${host.origin}/api/snapshot`,
        '  Ctrl-C stops.',
        '',
      ].join('\n'),
    );
    await untilSignal();
    process.stderr.write('Stopping…\n');
    await host.close();
    bridge.close();
    await lab.stop();
  });
}
