import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { LabError } from '../lab/labError';
import { LbConfigError, PRODUCT_NAMES } from '../lab/lbconfig/model';
import type { Lab, LabOptions } from '../lab/lab';

/**
 * `serve`'s `--lb-config FILE`: a customer's balancer configuration to route as (the settings'
 * lbConfig is its text). The other balancer settings (--balancer, --https, --public-host) are
 * flags generated from the settings schema like every other.
 */
export function addLbConfigFlag(cmd: Command): Command {
  return cmd.option('--lb-config <file>', "route as this balancer configuration does (haproxy.cfg, nginx.conf, Ingress YAML, ALB attributes JSON, F5 tmsh); its servers are the nodes in order");
}

/** The lab options the file sets; with no explicit --nodes, one node per server in it. */
export async function lbConfigOptions(file: string | undefined, nodesFromDefault: boolean): Promise<Partial<LabOptions>> {
  if (!file) return {};
  // The readers of balancer files (YAML among them) load only for a serve that is given one.
  const { MAX_CONFIG_BYTES, readBalancerConfig } = await import('../lab/lbconfig/read');
  const out: Partial<LabOptions> = {};
  let text: string;
  try {
    if (statSync(file).size > MAX_CONFIG_BYTES) throw new LabError(`--lb-config ${file}: larger than ${MAX_CONFIG_BYTES / 1024} KB`);
    text = readFileSync(file, 'utf8');
    const model = readBalancerConfig(text, basename(file));
    if (nodesFromDefault && model.servers.length) {
      if (model.servers.length > 9) throw new LabError(`--lb-config ${file}: ${model.servers.length} servers; the lab runs at most 9 nodes (give --nodes to map the first ones)`);
      out.nodes = Math.max(1, model.servers.length);
    }
  } catch (e) {
    if (e instanceof LbConfigError) throw new LabError(e.message);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LabError(`--lb-config ${file}: no such file`);
    throw e;
  }
  out.lbConfig = text;
  return out;
}

/** What `serve` says about its balancer on stderr: the model, the mapping of servers to nodes, the CA file. */
export function describeBalancer(lab: Lab, file: string | undefined): string[] {
  const lines: string[] = [];
  const m = lab.balancerModel;
  const name = file ? basename(file) : 'the configuration';
  if (lab.config.balancer !== 'built-in') {
    lines.push(m ? `Balancer: the real ${lab.config.balancer} runs ${name}, rewritten only where it must be:` : `Balancer: the real ${lab.config.balancer} with the lab's settings written in its syntax:`);
  } else if (m) lines.push(`Balancer: routes as ${PRODUCT_NAMES[m.product]} in ${name}${m.backend ? ` (${m.backend})` : ''} would; the file's servers are the lab's nodes, in order:`);
  for (const l of lab.balancer.mapping()) lines.push(`  ${l}`);
  if (lab.config.https && lab.balancer.caCert) {
    const ca = join(tmpdir(), `session-lab-ca-${process.pid}.pem`);
    writeFileSync(ca, lab.balancer.caCert, { mode: 0o644 });
    process.once('exit', () => rmSync(ca, { force: true }));
    lines.push(`HTTPS with the lab CA (public certificate only): curl --cacert ${ca}${lab.config.publicHost !== '127.0.0.1' ? ` --resolve ${lab.config.publicHost}:${lab.balancer.port}:127.0.0.1` : ''} …`);
  } else if (lab.config.publicHost !== '127.0.0.1') {
    lines.push(`Browsers reach AM as ${lab.config.publicHost} (curl --resolve ${lab.config.publicHost}:${lab.balancer.port}:127.0.0.1 …)`);
  }
  return lines;
}
