import { InvalidArgumentError, Option, type Command } from 'commander';
import { LabError, type LabOptions } from '../lab/lab';

/** Flag parsers: a bad value is a clear message and exit code 2 (commander's usage error path). */
export function intIn(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function positive(max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`expected a positive number up to ${max}`);
    return n;
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The lab's settings as flags, shared by `serve` and `web`. */
export function addLabOptions(cmd: Command): Command {
  return cmd
    .option('--nodes <n>', 'number of AM nodes', intIn(1, 9), 3)
    .option('--port <port>', 'balancer port (0 = any free port)', intIn(0, 65535), 0)
    .option('--sticky', 'route on the amlbcookie (sticky load balancing)')
    .option('--no-sticky', 'round-robin, ignoring amlbcookie (the default)')
    .addOption(new Option('--policy <policy>', 'balancer policy').choices(['round-robin', 'sticky', 'active-passive']))
    .option('--cookie <name>', 'name of the sticky load-balancing cookie', 'amlbcookie')
    .addOption(new Option('--auth <kind>', 'authentication: module chains or trees').choices(['chain', 'tree']).default('chain'))
    .addOption(new Option('--auth-sessions <where>', 'where tree auth sessions live').choices(['memory', 'cts', 'client']).default('memory'))
    .addOption(new Option('--sessions <kind>', 'CTS-based or client-based sessions').choices(['cts', 'client']).default('cts'))
    .option('--max-session-time <min>', 'max session time in minutes', positive(525_600), 120)
    .option('--max-idle-time <min>', 'max idle time in minutes', positive(525_600), 30)
    .option('--max-caching-time <min>', 'max caching time in minutes', positive(525_600), 3)
    .option('--clock-speed <factor>', 'lab clock speed (1 = real time, 60 = a minute per second)', positive(1_000_000), 1)
    .addOption(new Option('--profile <version>', 'AM version profile').choices(['6.5', '7', '7.5', '8']).default('7'))
    .option('--cors-origin <origin>', 'allow a cross-origin browser client (repeatable)', collect, [])
    .addOption(new Option('--admin-password <password>', 'amadmin password (default: random)').env('SESSION_LAB_ADMIN_PASSWORD'))
    .option('--cts <store>', 'CTS: embedded, ldap (slapd run by the lab) or ldap://host:port (env SESSION_LAB_CTS)')
    .option('--cts-replicas <n>', 'replicas of the lab-run directory', intIn(1, 4))
    .option('--cts-replication-delay <ms>', 'replication delay between replicas (ms)', intIn(0, 600_000))
    .option('--cts-affinity', 'CTS affinity: each token to one replica, as AM does when it is enabled')
    .option('--cts-bind-dn <dn>', 'bind DN for an existing directory (env SESSION_LAB_CTS_BIND_DN)')
    .option('--cts-password <password>', 'password for an existing directory (env SESSION_LAB_CTS_PASSWORD)');
}

export interface LabFlagValues {
  nodes: number;
  port: number;
  sticky?: boolean;
  policy?: 'round-robin' | 'sticky' | 'active-passive';
  cookie: string;
  auth: 'chain' | 'tree';
  authSessions: 'memory' | 'cts' | 'client';
  sessions: 'cts' | 'client';
  maxSessionTime: number;
  maxIdleTime: number;
  maxCachingTime: number;
  clockSpeed: number;
  profile: '6.5' | '7' | '7.5' | '8';
  corsOrigin: string[];
  adminPassword?: string;
  cts?: string;
  ctsReplicas?: number;
  ctsReplicationDelay?: number;
  ctsAffinity?: boolean;
  ctsBindDn?: string;
  ctsPassword?: string;
}

export function labOptionsFrom(f: LabFlagValues): LabOptions {
  for (const o of f.corsOrigin) {
    if (!/^https?:\/\/[^/]+$/.test(o)) throw new LabError(`--cors-origin ${o}: expected an origin like http://localhost:3000`);
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(f.cookie)) throw new LabError(`--cookie ${f.cookie}: a cookie name is letters, digits, _ . - only`);
  return {
    nodes: f.nodes,
    port: f.port,
    policy: f.policy ?? (f.sticky ? 'sticky' : 'round-robin'),
    lbCookieName: f.cookie,
    auth: f.auth,
    authSessions: f.authSessions,
    sessions: f.sessions,
    maxSessionTime: f.maxSessionTime,
    maxIdleTime: f.maxIdleTime,
    maxCachingTime: f.maxCachingTime,
    clockSpeed: f.clockSpeed,
    profile: f.profile,
    corsOrigins: f.corsOrigin,
    adminPassword: f.adminPassword,
    cts: f.cts,
    ctsReplicas: f.ctsReplicas,
    ctsReplicationDelayMs: f.ctsReplicationDelay,
    ctsAffinity: f.ctsAffinity,
    ctsBindDn: f.ctsBindDn,
    ctsPassword: f.ctsPassword,
  };
}
