import { emptyModel, LbConfigError, type BalancerModel, type Source } from './model';

/**
 * `aws elbv2 describe-target-group-attributes` output (`{"Attributes":[{"Key":…,"Value":…}]}`) → the
 * balancer model, per the ALB user guide's sticky-sessions page and the TargetGroupAttribute API:
 * duration-based stickiness (AWSALB, and AWSALBCORS with SameSite=None; Secure) or application-based
 * (AWSALBAPP once the target sets the named cookie), each with its duration. A `TargetGroups` array
 * from `describe-target-groups` in the same object adds the health check. Targets = the lab's nodes.
 */
interface Attr {
  Key?: unknown;
  Value?: unknown;
}

export function readAlb(text: string, file: string): BalancerModel {
  let json: { Attributes?: Attr[]; TargetGroups?: Record<string, unknown>[] };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LbConfigError(file, jsonErrorLine(text, (e as Error).message), `JSON: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
  if (!json || typeof json !== 'object' || (!Array.isArray(json.Attributes) && !Array.isArray(json.TargetGroups))) {
    throw new LbConfigError(file, 1, 'expected the output of `aws elbv2 describe-target-group-attributes`: {"Attributes":[{"Key":…,"Value":…}]}');
  }
  const srcLines = text.split(/\r?\n/);
  const lineOf = (needle: string): Source | null => {
    const i = srcLines.findIndex((l) => l.includes(needle));
    return i < 0 ? null : { line: i + 1, text: srcLines[i]! };
  };
  const attrs = new Map<string, { value: string; source: Source | null }>();
  for (const a of json.Attributes ?? []) {
    if (typeof a?.Key !== 'string') throw new LbConfigError(file, null, 'an attribute without a "Key"');
    attrs.set(a.Key, { value: String(a.Value ?? ''), source: lineOf(`"${a.Key}"`) });
  }
  const get = (k: string) => attrs.get(k);
  const m = emptyModel('aws-alb', file);
  m.backend = String(json.TargetGroups?.[0]?.TargetGroupName ?? '');
  // An unhealthy or deregistered target's sticky requests go to a healthy target.
  m.redispatch = { enabled: true, source: null };
  const alg = get('load_balancing.algorithm.type');
  if (alg?.value === 'least_outstanding_requests') m.algorithm = { kind: 'least-conn', source: alg.source };
  else if (alg?.value === 'weighted_random') m.algorithm = { kind: 'random', source: alg.source };
  else m.algorithm = { kind: 'round-robin', source: alg?.source ?? null };

  const enabled = get('stickiness.enabled');
  const type = get('stickiness.type');
  if (enabled?.value === 'true') {
    if (type?.value === 'app_cookie') {
      const name = get('stickiness.app_cookie.cookie_name');
      if (!name?.value) throw new LbConfigError(file, type.source?.line ?? null, 'stickiness.type app_cookie needs stickiness.app_cookie.cookie_name');
      if (/^AWSALB/i.test(name.value)) m.rejected.push({ text: `app cookie name ${name.value}: names starting AWSALB, AWSALBAPP, AWSALBTG are reserved`, source: name.source ?? type.source! });
      const d = duration(get('stickiness.app_cookie.duration_seconds'), file);
      m.persistence.push(albCookie('AWSALBAPP', 'after-server-cookie', d.sec, d.source ?? name.source, name.value));
    } else if (!type || type.value === 'lb_cookie') {
      const d = duration(get('stickiness.lb_cookie.duration_seconds'), file);
      m.persistence.push(albCookie('AWSALB', 'every-response', d.sec, d.source ?? enabled.source, undefined));
    } else throw new LbConfigError(file, type.source?.line ?? null, `stickiness.type ${type.value}: an ALB knows lb_cookie and app_cookie`);
  }
  const tg = json.TargetGroups?.[0];
  if (tg && tg.HealthCheckEnabled !== false) {
    m.health = { kind: tg.HealthCheckProtocol === 'TCP' ? 'tcp' : 'http', method: 'GET', path: String(tg.HealthCheckPath ?? '/'), source: lineOf('"HealthCheckPath"') };
  } else m.notes.push({ text: 'health check settings are in `describe-target-groups`, not in these attributes', source: null });
  m.notes.push({ text: 'the listener is not in this output: the lab serves it as configured (--https or plain)', source: null });
  return m;
}

function albCookie(name: string, insert: 'every-response' | 'after-server-cookie', sec: number, source: Source | null, serverCookie: string | undefined) {
  return {
    kind: 'cookie' as const,
    mode: 'insert' as const,
    name,
    serverCookie,
    value: 'alb-target' as const,
    insert,
    caseInsensitive: false,
    // Every ALB cookie carries Expires = now + duration; the app-based one has a fixed 7-day expiry.
    attrs: { path: '/', maxAgeSec: insert === 'after-server-cookie' ? 7 * 86400 : sec },
    indirect: false,
    preserve: true,
    nocache: false,
    corsTwin: insert === 'every-response' ? 'AWSALBCORS' : undefined,
    staleAfterSec: sec,
    source,
  };
}

function duration(a: { value: string; source: Source | null } | undefined, file: string): { sec: number; source: Source | null } {
  if (!a) return { sec: 86400, source: null };
  const n = Number(a.value);
  if (!Number.isInteger(n) || n < 1 || n > 604800) throw new LbConfigError(file, a.source?.line ?? null, `duration ${a.value}: 1 to 604800 seconds (7 days)`);
  return { sec: n, source: a.source };
}

export function jsonErrorLine(text: string, message: string): number | null {
  const pos = /position (\d+)/.exec(message);
  if (pos) return text.slice(0, Number(pos[1])).split('\n').length;
  const line = /line (\d+)/.exec(message);
  return line ? Number(line[1]) : null;
}
