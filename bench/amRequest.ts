import { request } from 'undici';
import { callbackAnswers, type AuthPayload } from '../main/contract/browser';
import { DEMO_USER } from '../main/lab/config';
import { Lab } from '../main/lab/lab';

/** A request the proxies are loaded with: what a browser sends. */
export interface ProxyRequest {
  path: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

const V2 = { 'content-type': 'application/json', 'accept-api-version': 'resource=2.0, protocol=1.0' };

/**
 * The second step of an AM callback login as a browser sends it: POST …/authenticate with the
 * callbacks AM sent in step 1 filled in (its authId JWT included), the amlbcookie of the node that
 * holds the auth session, and the SSO cookie of an earlier session, as a returning user's browser
 * still has it. Taken from a real lab (in this process, a few ms), so sizes and shapes are AM's.
 */
export async function amAuthenticateStep2(lbValue: string): Promise<ProxyRequest> {
  const lab = await Lab.start({ nodes: 1, isolation: 'in-process' });
  try {
    const url = `${lab.balancerUrl}/json/realms/root/authenticate`;
    const earlier = await request(url, { method: 'POST', headers: { ...V2, 'x-openam-username': DEMO_USER.username, 'x-openam-password': DEMO_USER.password } });
    const { tokenId } = (await earlier.body.json()) as { tokenId: string };
    const step1 = await request(url, { method: 'POST', headers: V2 });
    const payload = (await step1.body.json()) as AuthPayload;
    const values = callbackAnswers(payload, DEMO_USER.username, DEMO_USER.password);
    const filled = { ...payload, callbacks: payload.callbacks.map((cb) => ({ ...cb, input: cb.input?.map((i) => ({ ...i, value: values[i.name] ?? i.value })) })) };
    return {
      path: `${lab.config.contextPath}/json/realms/root/authenticate`,
      method: 'POST',
      headers: { ...V2, cookie: `amlbcookie=${lbValue}; ${lab.config.sessionCookieName}=${tokenId}`, 'x-requested-with': 'forgerock-sdk' },
      body: JSON.stringify(filled),
    };
  } finally {
    await lab.stop();
  }
}
