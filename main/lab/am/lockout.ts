import { CtsUnavailableError } from '../cts/store';
import type { LoginFailures, NodeContext } from './context';

const MIN = 60_000;

/**
 * Account lockout after N failed logins (Core authentication module: Login Failure Lockout Mode,
 * Count and Duration; OpenAM com/sun/identity/common/ISAccountLockout). While locked, a login is
 * refused with amAuth.properties 112 "Your account has been locked." even with the right password.
 *
 * Memory mode counts in the server's own memory: ISAccountLockout keeps `loginFailHash`, a static
 * map in each AM JVM, and only a lockout duration > 0 makes it memory locking. So behind a
 * non-sticky balancer each server counts separately, and a user locked on one server can still
 * log in on another: a real ticket, reproduced here by each node's own `loginFailures`.
 * Persistent mode counts where every server sees it. AM stores it on the user entry
 * (sunAMAuthInvalidAttemptsData in the identity store); the lab has no directory, so the counter is
 * a GENERIC token in the CTS, which every node reaches the same way.
 */
export interface Lockout {
  isLocked(universalId: string): Promise<boolean>;
  /** Records a failed login; true when this failure locked the account. */
  recordFailure(universalId: string): Promise<boolean>;
  clear(universalId: string): Promise<void>;
}

export function lockoutFor(node: NodeContext): Lockout | undefined {
  const cfg = node.config();
  if (cfg.lockoutMode === 'off') return undefined;
  const duration = cfg.lockoutDuration * MIN;
  const threshold = cfg.lockoutThreshold;
  const store = cfg.lockoutMode === 'memory' ? memoryStore(node) : ctsStore(node, duration);
  const lockedNow = (f: LoginFailures | undefined) => !!f?.lockedAt && node.clock.now() < f.lockedAt + duration;
  return {
    async isLocked(id) {
      const f = await store.get(id);
      if (f?.lockedAt && !lockedNow(f)) await store.remove(id); // the lockout ran out: counting starts over
      return lockedNow(f);
    },
    async recordFailure(id) {
      const f = (await store.get(id)) ?? { count: 0, lockedAt: null };
      f.count += 1;
      const locks = f.count >= threshold && !f.lockedAt;
      if (locks) f.lockedAt = node.clock.now();
      await store.put(id, f);
      return locks;
    },
    clear: (id) => store.remove(id),
  };
}

interface FailureStore {
  get(id: string): Promise<LoginFailures | undefined>;
  put(id: string, f: LoginFailures): Promise<void>;
  remove(id: string): Promise<void>;
}

function memoryStore(node: NodeContext): FailureStore {
  return {
    get: async (id) => node.loginFailures.get(id),
    put: async (id, f) => void node.loginFailures.set(id, f),
    remove: async (id) => void node.loginFailures.delete(id),
  };
}

/**
 * A CTS failure here is an unexpected exception in the login module: authenticate() answers it as
 * AM's AUTH_ERROR (500 "Authentication Error!!") and the trace names the lockout counter.
 */
function ctsStore(node: NodeContext, duration: number): FailureStore {
  const key = (id: string) => `lockout:${id}`;
  const counter = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      throw e instanceof CtsUnavailableError ? new CtsUnavailableError(e.message, `to ${what} the account lockout counter`) : e;
    }
  };
  return {
    get: (id) => counter('read', async () => (await node.cts.read<LoginFailures>(key(id)))?.data),
    put: (id, f) =>
      counter('write', async () => {
        // Kept a lockout duration past the last change, then the reaper removes it.
        const token = { id: key(id), type: 'GENERIC' as const, userId: id, expiresAt: node.clock.now() + Math.max(duration, MIN), data: f };
        if (await node.cts.read(key(id))) await node.cts.update(token);
        else await node.cts.create(token);
      }),
    remove: (id) => counter('clear', async () => void (await node.cts.delete(key(id)))),
  };
}
