import { readAlb } from './alb';
import { readF5 } from './f5';
import { readHaproxy } from './haproxy';
import { readIngress } from './ingress';
import { LbConfigError, type BalancerModel, type Product } from './model';
import { readNginx } from './nginx';

/** Largest configuration the lab reads (a pasted haproxy.cfg is a few KB). */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * Which product a pasted configuration is for, by its content (customers name files anything):
 * JSON with Attributes → ALB; YAML with `kind: Ingress` → ingress-nginx; `ltm …` blocks → F5 tmsh;
 * unindented HAProxy sections → HAProxy; `upstream`/`server {`/`http {` blocks → nginx.
 */
export function detectProduct(text: string): Product | undefined {
  const t = text.replace(/^\uFEFF/, '');
  const body = t.replace(/^\s*#.*$/gm, '');
  if (/^\s*[{[]/.test(body) && /"(Attributes|TargetGroups)"/.test(body)) return 'aws-alb';
  if (/^kind:\s*["']?Ingress["']?\s*$/m.test(body)) return 'ingress-nginx';
  if (/^\s*ltm\s+(persistence|pool|virtual|monitor)\b/m.test(body)) return 'f5';
  if (/^(global|defaults|frontend|backend|listen)\b/m.test(body) && !/^\s*(http|upstream\s+\S+)\s*\{/m.test(body)) return 'haproxy';
  if (/^\s*(http|upstream\s+\S+|server|events|stream)\s*\{/m.test(body) || /^\s*map\s+\$\S+\s+\$\S+\s*\{/m.test(body)) return 'nginx';
  return undefined;
}

/** Reads a balancer configuration into the model; throws LbConfigError (with a line when there is one). */
export function readBalancerConfig(text: string, file = 'config'): BalancerModel {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw new LbConfigError(file, null, `larger than ${MAX_CONFIG_BYTES / 1024} KB: paste the backend that fronts AM`);
  if (/\u0000/.test(text)) throw new LbConfigError(file, null, 'a binary file, not a balancer configuration');
  const product = detectProduct(text);
  if (!product) {
    throw new LbConfigError(file, null, 'cannot tell which balancer this is for: expected haproxy.cfg, nginx.conf, an ingress-nginx Ingress (YAML), `aws elbv2 describe-target-group-attributes` JSON or `tmsh list ltm …` output');
  }
  const text2 = text.replace(/^\uFEFF/, '');
  switch (product) {
    case 'haproxy':
      return readHaproxy(text2, file);
    case 'nginx':
      return readNginx(text2, file);
    case 'ingress-nginx':
      return readIngress(text2, file);
    case 'aws-alb':
      return readAlb(text2, file);
    case 'f5':
      return readF5(text2, file);
  }
}
