import type { ActionOf } from '../contract/actions';
import type { OAuth2ActionName } from '../contract/oauth2';
import type { LabConfig } from '../contract/settings';
import * as client from './client/oauth2';
import { LabError } from './labError';
import type { Lab } from './lab';

/**
 * The OAuth2 actions (contract/oauth2.ts) as perform() does them: the browser's app calls AM as the
 * client the action names (by default the first public client, the SDK's), and the result says
 * what AM answered and what the browser holds for that client afterwards.
 */
export async function performOAuth2(lab: Lab, a: ActionOf<OAuth2ActionName>) {
  const b = lab.browser(a.browser);
  const c = client.registeredClient(lab.config, a.client);
  const call = await (() => {
    switch (a.action) {
      case 'get-tokens':
        return client.getTokens(b, c, { prompt: a.prompt, scope: a.scope });
      case 'authorize':
        return client.authorize(b, c, { prompt: a.prompt, scope: a.scope });
      case 'exchange-code':
        return client.exchangeCode(b, c);
      case 'refresh-tokens':
        return client.refreshTokens(b, c);
      case 'userinfo':
        return client.userinfo(b, c);
      case 'introspect':
        return client.introspect(b, c, a.token);
      case 'revoke':
        return client.revoke(b, c, a.token);
      case 'end-session':
        return client.endSession(b, c);
      case 'client-credentials':
        if (c.type !== 'confidential') throw new LabError(`${c.id} is a public client: client_credentials needs a confidential one (${confidentialIds(lab.config) || 'none configured'})`);
        return client.clientCredentials(b, c, a.scope);
    }
  })();
  return {
    response: call.response,
    oauth2: { client: c.id, error: call.error, errorDescription: call.errorDescription, code: call.code, held: client.heldTokens(b, c.id) },
  };
}

const confidentialIds = (cfg: LabConfig) =>
  Object.entries(cfg.oauth2Clients)
    .filter(([, c]) => c.type === 'confidential')
    .map(([id]) => id)
    .join(', ');
