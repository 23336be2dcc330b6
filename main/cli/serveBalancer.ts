import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Option, type Command } from 'commander';
import { LabError } from '../lab/labError';
import { LbConfigError, PRODUCT_NAMES } from '../lab/lbconfig/model';
import { MAX_CONFIG_BYTES, readBalancerConfig } from '../lab/lbconfig/read';
import type { Lab, LabOptions } from '../lab/lab';

/**
 * `serve`'s balancer flags: a customer's configuration to route as (`--lb-config FILE`), the real
 * HAProxy or nginx instead of the built-in balancer (`--balancer`), HTTPS with the lab's CA
 * (`--https`) and the host name the browsers use (`--public-host`). They map onto the config
 * schema's lbConfig, balancer, https and publicHost.
 */
export interface BalancerFlagValues {
  lbConfig?: string;
  balancer: 'built-in' | 'haproxy' | 'nginx';
  https?: boolean;
  publicHost?: string;
}

export function addBalancerOptions(cmd: Command): Command {
  return cmd
    .option('--lb-config <file>', "route as this balancer configuration does (haproxy.cfg, nginx.conf, Ingress YAML, ALB attributes JSON, F5 tmsh); its servers are the nodes in order")
    .addOption(new Option('--balancer <kind>', 'the built-in balancer, or the real HAProxy or nginx of this machine in front of the nodes').choices(['built-in', 'haproxy', 'nginx']).default('built-in'))
    .option('--https', "the balancer speaks HTTPS with a certificate from a lab CA made at runtime (the CA is written to a temp file for curl --cacert)")
    .option('--public-host <name>', 'host name the virtual browsers use for AM (resolved to the balancer); cookie Domain and Secure rules apply to it');
}

/** The lab options these flags set; with a file and no explicit --nodes, one node per server in it. */
export function balancerOptions(f: BalancerFlagValues, nodesFromDefault: boolean): Partial<LabOptions> {
  const out: Partial<LabOptions> = { balancer: f.balancer, https: !!f.https };
  if (f.publicHost) out.publicHost = f.publicHost;
  if (!f.lbConfig) return out;
  let text: string;
  try {
    if (statSync(f.lbConfig).size > MAX_CONFIG_BYTES) throw new LabError(`--lb-config ${f.lbConfig}: larger than ${MAX_CONFIG_BYTES / 1024} KB`);
    text = readFileSync(f.lbConfig, 'utf8');
    const model = readBalancerConfig(text, basename(f.lbConfig));
    if (nodesFromDefault && model.servers.length) {
      if (model.servers.length > 9) throw new LabError(`--lb-config ${f.lbConfig}: ${model.servers.length} servers; the lab runs at most 9 nodes (give --nodes to map the first ones)`);
      out.nodes = Math.max(1, model.servers.length);
    }
  } catch (e) {
    if (e instanceof LbConfigError) throw new LabError(e.message);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LabError(`--lb-config ${f.lbConfig}: no such file`);
    throw e;
  }
  out.lbConfig = text;
  return out;
}

/** What `serve` says about its balancer on stderr: the model, the mapping of servers to nodes, the CA file. */
export function describeBalancer(lab: Lab, file: string | undefined): string[] {
  const lines: string[] = [];
  const m = lab.setup.model;
  const name = file ? basename(file) : 'the configuration';
  if (lab.config.balancer !== 'built-in') {
    lines.push(m ? `Balancer: the real ${lab.config.balancer} runs ${name}, rewritten only where it must be:` : `Balancer: the real ${lab.config.balancer} with the lab's settings written in its syntax:`);
  } else if (m) lines.push(`Balancer: routes as ${PRODUCT_NAMES[m.product]} in ${name}${m.backend ? ` (${m.backend})` : ''} would; the file's servers are the lab's nodes, in order:`);
  for (const l of lab.setup.mapping()) lines.push(`  ${l}`);
  if (lab.config.https && lab.setup.caCert) {
    const ca = join(tmpdir(), `session-lab-ca-${process.pid}.pem`);
    writeFileSync(ca, lab.setup.caCert, { mode: 0o644 });
    process.once('exit', () => rmSync(ca, { force: true }));
    lines.push(`HTTPS with the lab CA (public certificate only): curl --cacert ${ca}${lab.config.publicHost !== '127.0.0.1' ? ` --resolve ${lab.config.publicHost}:${lab.balancer.port}:127.0.0.1` : ''} …`);
  } else if (lab.config.publicHost !== '127.0.0.1') {
    lines.push(`Browsers reach AM as ${lab.config.publicHost} (curl --resolve ${lab.config.publicHost}:${lab.balancer.port}:127.0.0.1 …)`);
  }
  return lines;
}
