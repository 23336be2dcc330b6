import { callbackAnswers, submittedCredentials, type BrowserResponse, type LoginStep } from '../contract/browser';
import { isEvent } from '../contract/trace';
import type { Action, ActionOf, ActionResult } from '../contract/actions';
import type { VirtualBrowser } from './client/browser';
import { taggedWith } from './client/userAgent';
import { LabError, type Lab } from './lab';
import { performOAuth2 } from './performOAuth2';
import { runLoad, type LoadProgress, type LoadResult } from './scenario/load';

export interface PerformOptions {
  /** Stops a load in progress (a step in progress always finishes). */
  signal?: AbortSignal;
  onLoad?: (p: LoadProgress) => void;
}

/** An ActionResult as the engine has it: a load also keeps a trace sample for HAR export. */
export type Performed = Omit<ActionResult, 'load'> & { load?: LoadResult };

type Outcome = Omit<Performed, 'action' | 'exchanges' | 'events'> & { action?: Action };

/**
 * The one executor: does an Action the way an engineer would — through a virtual browser (real
 * HTTP via the balancer) or the Lab facade — and returns the exchanges its own requests made,
 * tagged at the virtual browser and handed over by the recorder. The window's commands, recipe
 * steps, the web host's API and `session-lab run` all come here. Outcomes are left to the cluster.
 */
export async function perform(lab: Lab, action: Action, opts: PerformOptions = {}): Promise<Performed> {
  // A load's thousands of exchanges belong to its own browsers, not to one action: not collected.
  if (action.action === 'load') return { action, exchanges: [], events: [], ...(await load(lab, action, opts)) };
  const tag = lab.recorder.watch();
  let out: Outcome;
  try {
    out = await taggedWith(tag, () => run(lab, action));
  } catch (e) {
    lab.recorder.take(tag);
    throw e;
  }
  // Node processes and the balancer's thread send what they recorded in batches: all of it first.
  await lab.settle();
  const taken = lab.recorder.take(tag);
  const browser = 'browser' in action && action.browser ? lab.browsers.get(action.browser) : undefined;
  // The sessions a browser's logins created: what "terminate its newest session" ends.
  if (browser) for (const e of taken.events.filter(isEvent('session-created'))) if (taken.exchanges.some((x) => x.id === e.exchangeId && x.browser === browser.id)) browser.rememberSession(e.data.handle);
  return { ...out, action: out.action ?? action, ...taken };
}

async function run(lab: Lab, a: Exclude<Action, ActionOf<'load'>>): Promise<Outcome> {
  switch (a.action) {
    case 'login': {
      const { steps } = await lab.browser(a.browser).login(a.username, a.password, { service: a.service, realm: a.realm });
      return { steps };
    }
    case 'login-start':
      return steps(await lab.browser(a.browser).startLogin({ service: a.service, realm: a.realm }));
    case 'login-next':
      return loginNext(lab.browser(a.browser), a);
    case 'zero-page-login':
      return steps(await lab.browser(a.browser).zeroPageLogin(a.username, a.password, { service: a.service, realm: a.realm }));
    case 'validate':
      return response(await lab.browser(a.browser).validate(a.realm));
    case 'refresh':
      return response(await lab.browser(a.browser).refresh(a.realm));
    case 'access':
      // getSessionInfo needs a live caller token: what any use of AM with the cookie does.
      return response(await lab.browser(a.browser).sessionInfo(a.realm));
    case 'logout':
      return response(await lab.browser(a.browser).logout(a.realm));
    case 'admin-terminate':
      return adminTerminate(lab, a);
    case 'wait':
      await lab.advanceClock(a.ms);
      await lab.reap(); // the reaper pass the jump triggered, finished before anyone looks
      return {};
    case 'kill-node':
      await lab.killNode(a.node);
      return {};
    case 'restart-node':
      // Returns once the balancer's health check has seen the node up again.
      await lab.restartNode(a.node);
      return {};
    case 'drain-node':
    case 'undrain-node':
      await lab.drainNode(a.node, a.action === 'drain-node');
      return {};
    case 'configure':
      return { config: await lab.configure(a.patch) };
    case 'browser': {
      const b = lab.browser(a.browser);
      if (a.ip) b.clientIp = a.ip;
      if (a.origin !== undefined) b.appOrigin = a.origin;
      return {};
    }
    case 'get-tokens':
    case 'authorize':
    case 'exchange-code':
    case 'refresh-tokens':
    case 'userinfo':
    case 'introspect':
    case 'revoke':
    case 'end-session':
    case 'client-credentials':
      return performOAuth2(lab, a);
    case 'stop-cts-replica':
      await lab.stopCtsReplica(a.replica);
      return {};
    case 'start-cts-replica':
      await lab.startCtsReplica(a.replica);
      return {};
    case 'stop-cts':
      await lab.stopCts();
      return {};
    case 'start-cts':
      await lab.startCts();
      return {};
    case 'check': {
      const snap = await lab.snapshot();
      return { cluster: { nodeState: Object.fromEntries(snap.nodes.map((n) => [n.id, n.state])), activeSessions: snap.sessions.filter((s) => s.status === 'active').map((s) => s.handle) } };
    }
  }
}

const steps = (step: LoginStep): Outcome => ({ steps: [step] });
const response = (r: BrowserResponse): Outcome => ({ response: r });

/** Submits the form on the browser's screen with the values typed, or filled from the credentials. */
async function loginNext(b: VirtualBrowser, a: ActionOf<'login-next'>): Promise<Outcome> {
  const form = b.loginForm;
  if (!form) throw new LabError(`${b.name} has no login form on screen: start one with login-start first`);
  if (!a.values && (a.username === undefined || a.password === undefined)) throw new LabError('login-next needs the values of the form, or a username and password to fill it with');
  const values = a.values ?? callbackAnswers(form.payload, a.username!, a.password!);
  const step = await b.submit(form.payload, values, { service: form.service, realm: a.realm ?? form.realm });
  const creds = submittedCredentials(form.payload, values);
  return { steps: [step], action: { ...a, ...creds } };
}

/** amadmin ends the browser's newest session, or the one with this handle, through AM's REST API. */
async function adminTerminate(lab: Lab, a: ActionOf<'admin-terminate'>): Promise<Outcome> {
  const b = a.browser ? lab.browser(a.browser) : undefined;
  const handle = a.handle ?? b?.sessionHandles.at(-1);
  if (!handle) throw new LabError(`${b?.name ?? 'The browser'} has no session to terminate: no login of theirs created one`);
  // A session that has ended already is AM's answer to show (in the admin's exchange), not an error here.
  await lab.terminateSession(handle);
  const owner = b ?? [...lab.browsers.values()].find((x) => x.sessionHandles.includes(handle));
  return { action: { action: 'admin-terminate', handle, ...(owner ? { browser: owner.id } : {}) } };
}

async function load(lab: Lab, a: ActionOf<'load'>, opts: PerformOptions): Promise<Outcome> {
  const { action: _, ...spec } = a;
  return { load: await runLoad(lab, { ...spec, signal: opts.signal }, opts.onLoad) };
}
