import { VirtualBrowser, type AuthPayload } from '../client/browser';
import { LabError, type Lab } from '../lab';
import { runLoad, type LoadProgress, type LoadResult } from './load';
import type { StepAction } from './schema';

/** A recipe user during a run: credentials, its virtual browser, its login in progress, its sessions. */
export interface UserState {
  name: string;
  username: string;
  password: string;
  browser: VirtualBrowser;
  /**
   * The login form on screen: the callbacks AM sent last. A failed step leaves it there, so
   * login-next submits it again, as a user clicking "Sign in" once more would.
   */
  pending: { payload: AuthPayload; service?: string; realm?: string } | null;
  handles: Set<string>;
  currentHandle?: string;
}

export interface StepContext {
  users: Map<string, UserState>;
  user: UserState | undefined;
  signal: AbortSignal;
  onLoad: (p: LoadProgress) => void;
}

export interface StepExtra {
  activeSessions?: number;
  nodeState?: Record<string, string>;
  load?: LoadResult;
}

/**
 * Does what a step says, the way an engineer would in the window: through the virtual browser
 * (real HTTP via the balancer) or the Lab facade. Outcomes are left to the cluster.
 */
export async function performStep(lab: Lab, a: StepAction, ctx: StepContext): Promise<StepExtra> {
  const u = ctx.user;
  switch (a.kind) {
    case 'login': {
      const { outcome, steps } = await u!.browser.login(u!.username, u!.password, { service: a.service, realm: a.realm });
      const form = steps.filter((s) => s.kind === 'callbacks').at(-1);
      u!.pending = outcome.kind !== 'success' && form?.kind === 'callbacks' ? { payload: form.payload, service: a.service, realm: a.realm } : null;
      return {};
    }
    case 'login-start': {
      const step = await u!.browser.startLogin({ service: a.service, realm: a.realm });
      u!.pending = step.kind === 'callbacks' ? { payload: step.payload, service: a.service, realm: a.realm } : null;
      return {};
    }
    case 'login-next': {
      const p = u!.pending;
      if (!p) throw new LabError(`${u!.name} has no login form on screen: start one with login-start first`);
      const opts = { service: p.service, realm: a.realm ?? p.realm };
      const step = await u!.browser.submit(p.payload, VirtualBrowser.answers(p.payload, u!.username, u!.password), opts);
      if (step.kind === 'callbacks') u!.pending = { ...p, payload: step.payload };
      else if (step.kind === 'success') u!.pending = null;
      return {};
    }
    case 'zero-page-login':
      u!.pending = null;
      await u!.browser.zeroPageLogin(u!.username, u!.password, { realm: a.realm });
      return {};
    case 'validate':
      await u!.browser.validate(a.realm);
      return {};
    case 'refresh':
      await u!.browser.refresh(a.realm);
      return {};
    case 'access':
      // getSessionInfo needs a live caller token: what any access to AM with the cookie does.
      await u!.browser.sessionInfo(a.realm);
      return {};
    case 'logout':
      await u!.browser.logout(a.realm);
      return {};
    case 'admin-terminate': {
      if (!u!.currentHandle) throw new LabError(`${u!.name} has no session to terminate: no login of theirs created one`);
      await lab.terminateSession(u!.currentHandle);
      return {};
    }
    case 'wait':
      lab.advanceClock(a.ms);
      await lab.reap(); // the reaper pass the advance triggered, finished before we look
      return {};
    case 'kill-node':
      await lab.killNode(a.node);
      return {};
    case 'restart-node':
      await lab.restartNode(a.node);
      // restartNode returns once the balancer's health check has seen the node up again.
      return {};
    case 'drain-node':
      lab.drainNode(a.node, true);
      return {};
    case 'undrain-node':
      lab.drainNode(a.node, false);
      return {};
    case 'configure':
      await lab.configure(a.patch);
      return {};
    case 'check': {
      const snap = await lab.snapshot();
      // The recipe's own users only: the window's lab may hold sessions from earlier work.
      const mine = new Set([...ctx.users.values()].flatMap((u) => [...u.handles]));
      return {
        activeSessions: snap.sessions.filter((s) => s.status === 'active' && mine.has(s.handle)).length,
        nodeState: Object.fromEntries(snap.nodes.map((n) => [n.id, n.state])),
      };
    }
    case 'browser':
      // issue 11: the one step that changes a browser's network; port to the Action union.
      if (a.ip) u!.browser.clientIp = a.ip;
      if (a.origin !== undefined) u!.browser.appOrigin = a.origin;
      return {};
    case 'load': {
      const creds = a.load.as ? ctx.users.get(a.load.as) : undefined;
      const load = await runLoad(
        lab,
        {
          logins: a.load.logins,
          durationMs: a.load.durationMs,
          concurrency: a.load.concurrency,
          users: a.load.users,
          username: creds?.username,
          password: creds?.password,
          service: a.load.service,
          logout: a.load.logout,
          thinkMs: a.load.thinkMs,
          signal: ctx.signal,
        },
        ctx.onLoad,
      );
      return { load };
    }
  }
}
