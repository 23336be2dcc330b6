import type { Command } from 'commander';
import { AM_DEFAULTS } from '../lab/lbconfig/finding';
import type { CheckOptions } from './lbCheck';

/** `session-lab lb check`: the command and its flags; the readers of balancer files load only when it runs (lbCheck.ts). */
export function register(program: Command): void {
  const lb = program.command('lb').description("a customer's load balancer: what in its configuration breaks AM logins");
  lb.command('check')
    .description('read haproxy.cfg, nginx.conf, an Ingress YAML, ALB attributes JSON or F5 tmsh output and print the findings (exit 1 when a login will break)')
    .argument('<file>', 'the configuration as the customer pasted it')
    .option('--json', 'print {model, findings} as JSON')
    .option('--context-path <path>', "AM's deployment path", AM_DEFAULTS.contextPath)
    .option('--am-cookie <name>', "AM's load-balancing cookie (com.iplanet.am.lbcookie.name)", AM_DEFAULTS.lbCookie)
    .option('--session-cookie <name>', "AM's session cookie (com.iplanet.am.cookie.name)", AM_DEFAULTS.sessionCookie)
    .action(async (file: string, o: CheckOptions) => void (process.exitCode = await (await import('./lbCheck')).runLbCheck(file, o)));
  for (const c of lb.commands) c.exitOverride();
}
