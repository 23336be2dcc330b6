import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ACTION_NAMES, ActionSchema, type ActionName } from '../../main/contract/actions';
import { bindStep, recipeStep, stepYaml, type StepAction } from '../../main/lab/scenario/grammar';
import { parseRecipe } from '../../main/lab/scenario/parse';

/**
 * The recipe step grammar both ways: every action written as a step reads back as the same action,
 * and a step bound to a browser is an Action the contract accepts. Keyed by the action names, so a
 * new action without its YAML form fails to compile here.
 */
const EXAMPLES: Record<ActionName, StepAction> = {
  login: { action: 'login', user: 'alice', service: 'Example' },
  'login-start': { action: 'login-start', user: 'alice', realm: '/alpha' },
  'login-next': { action: 'login-next', user: 'alice' },
  'zero-page-login': { action: 'zero-page-login', user: 'bob', service: 'Example' },
  validate: { action: 'validate', user: 'alice' },
  refresh: { action: 'refresh', user: 'alice' },
  access: { action: 'access', user: 'alice' },
  logout: { action: 'logout', user: 'bob' },
  'admin-terminate': { action: 'admin-terminate', user: 'bob' },
  wait: { action: 'wait', ms: 31 * 60_000 },
  'kill-node': { action: 'kill-node', node: '02' },
  'restart-node': { action: 'restart-node', node: '02' },
  'drain-node': { action: 'drain-node', node: '01' },
  'undrain-node': { action: 'undrain-node', node: '01' },
  configure: { action: 'configure', patch: { policy: 'sticky', maxIdleTime: 5 } },
  load: { action: 'load', logins: 20, concurrency: 2, logout: true, tokens: true, thinkMs: 5, as: 'bob' },
  check: { action: 'check' },
  browser: { action: 'browser', user: 'alice', ip: '127.0.0.7', origin: 'https://app.example.com' },
  'get-tokens': { action: 'get-tokens', user: 'alice', prompt: 'none' },
  authorize: { action: 'authorize', user: 'alice', client: 'myClient', scope: 'openid profile' },
  'exchange-code': { action: 'exchange-code', user: 'alice', client: 'myClient' },
  'refresh-tokens': { action: 'refresh-tokens', user: 'alice' },
  userinfo: { action: 'userinfo', user: 'alice' },
  introspect: { action: 'introspect', user: 'bob', client: 'myClient', token: 'refresh' },
  revoke: { action: 'revoke', user: 'alice', token: 'refresh' },
  'end-session': { action: 'end-session', user: 'alice' },
  'client-credentials': { action: 'client-credentials', user: 'bob', client: 'myClient', scope: 'profile' },
  'stop-cts-replica': { action: 'stop-cts-replica', replica: 2 },
  'start-cts-replica': { action: 'start-cts-replica', replica: 2 },
  'stop-cts': { action: 'stop-cts' },
  'start-cts': { action: 'start-cts' },
};

describe('the recipe step grammar', () => {
  it('has an example for every action', () => {
    expect(Object.keys(EXAMPLES)).toEqual(ACTION_NAMES);
  });

  it('writes every action as YAML that reads back as the same action', () => {
    const steps = ACTION_NAMES.map((n) => stepYaml(EXAMPLES[n]));
    const recipe = parseRecipe(stringify({ description: 'Every action once.', users: { alice: {}, bob: { username: 'bjensen', password: 'pw' } }, steps }));
    expect(recipe.steps.map((s) => s.action)).toEqual(ACTION_NAMES.map((n) => EXAMPLES[n]));
  });

  it('binds a step to a browser and credentials as an Action the contract accepts, and back', () => {
    const users = { alice: { browser: 'b1', username: 'demo', password: 'Ch4ng31t' }, bob: { browser: 'b2', username: 'bjensen', password: 'pw' } };
    const names = { ofBrowser: (b: string) => (b === 'b1' ? 'alice' : 'bob'), withCredentials: () => 'bob' };
    for (const n of ACTION_NAMES) {
      const action = bindStep(EXAMPLES[n], (u) => users[u as keyof typeof users]);
      expect(ActionSchema.safeParse(action).success, n).toBe(true);
      expect(recipeStep(action, names), n).toEqual(EXAMPLES[n]);
    }
    expect(bindStep(EXAMPLES.login, (u) => users[u as keyof typeof users])).toEqual({ action: 'login', browser: 'b1', username: 'demo', password: 'Ch4ng31t', service: 'Example' });
  });
});
