/**
 * The contract's command names and channels, without its schemas: the sandboxed preload needs
 * only these, so it stays a few hundred bytes instead of carrying zod. contract.ts re-exports
 * them and checks at compile time that its schemas name exactly these commands.
 */
export const COMMAND_NAMES = [
  'info',
  'snapshot',
  'trace',
  'clearTrace',
  'configure',
  'setNodeCount',
  'killNode',
  'restartNode',
  'drainNode',
  'advanceClock',
  'setClockSpeed',
  'pauseClock',
  'createBrowser',
  'removeBrowser',
  'cookies',
  'clearCookies',
  'startLogin',
  'submitStep',
  'login',
  'zeroPageLogin',
  'validate',
  'refresh',
  'sessionInfo',
  'logout',
  'sessions',
  'terminateSession',
  'diagnose',
  'flows',
  'sequence',
  'exportHar',
  'importHar',
  'recipes',
  'runRecipe',
  'stopRecipe',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/** One IPC channel per command: `lab:<command>`. Pushes travel on their own channel. */
export const IPC_PREFIX = 'lab:';
export const IPC_PUSH = 'lab:push';
