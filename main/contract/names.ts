/**
 * The contract's command names, channels and constants, without its schemas: the sandboxed
 * preload and the renderer need only these, so neither carries zod. contract.ts re-exports them
 * and checks at compile time that its schemas name exactly these commands.
 */
export const COMMAND_NAMES = [
  'info',
  'snapshot',
  'trace',
  'clearTrace',
  'perform',
  'setClockSpeed',
  'pauseClock',
  'createBrowser',
  'removeBrowser',
  'cookies',
  'clearCookies',
  'sessions',
  'sessionPage',
  'diagnose',
  'flows',
  'sequence',
  'exportHar',
  'importHar',
  'recipes',
  'runRecipe',
  'compareRecipe',
  'stopRun',
  'exportRecipe',
  'clearActionLog',
  'checkLbConfig',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/** One IPC channel per command: `lab:<command>`. Pushes travel on their own channel. */
export const IPC_PREFIX = 'lab:';
export const IPC_PUSH = 'lab:push';

/** The WebSocket subprotocol; the per-launch token rides as a second protocol `token.<value>`. */
export const WS_PROTOCOL = 'session-lab.v1';
export const TOKEN_HEADER = 'x-session-lab-token';

/** Largest HAR the window may import (the importer's own limit is 50 MB). */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** Demo credentials are labelled everywhere they appear. */
export const DEMO_LABEL = 'demo credentials — lab only';

/** The lab's built-in user, on the window's login form and in recipes that name no credentials. */
export const DEMO_USER = { username: 'demo', password: 'Ch4ng31t' } as const;
/** Realms the emulated AM serves (the root realm and one sub-realm, as AM 7 platform deployments have). */
export const REALMS = ['/', '/alpha'] as const;
export type Realm = (typeof REALMS)[number];

/** A lab-only agent profile, as an AM install's sample web agent. */
export const DEMO_AGENT = { name: 'webagent', password: 'Ch4ng31t' } as const;
