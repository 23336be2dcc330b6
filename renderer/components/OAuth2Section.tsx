import { useState } from 'react';
import type { ActionResult, TraceExchange } from '../../main/contract';
import type { HeldToken, OAuth2View } from '../../main/contract/oauth2';
import { countdownLevel, formatCountdown, middleEllipsis, prettyBody } from '../lib/format';
import { useLab, useLabNow, useStore } from '../state/store';
import { Badge, Button, CodeBlock, Segmented } from './ui';
import './OAuth2.css';

type OAuth2Call = 'get-tokens' | 'userinfo' | 'refresh-tokens' | 'introspect' | 'revoke' | 'end-session' | 'client-credentials';

const LABELS: Record<OAuth2Call, string> = {
  'get-tokens': 'Get tokens',
  userinfo: 'User info',
  'refresh-tokens': 'Refresh tokens',
  introspect: 'Introspect',
  revoke: 'Revoke',
  'end-session': 'End session',
  'client-credentials': 'Client credentials',
};

/** What one OAuth2 call came to on this card: AM's answer and the exchanges that carried it. */
interface Last {
  call: OAuth2Call;
  result: ActionResult;
}

function TokenRow({ t, now, revoked }: { t: HeldToken; now: number; revoked: boolean }) {
  return (
    <li className="oauth2-token" data-testid={`held-${t.name}`}>
      <div className="oauth2-token-head">
        <strong>{t.name}</strong>
        <Badge tone={t.format === 'jwt' ? 'info' : 'neutral'} title={t.format === 'jwt' ? 'A signed JWT: its claims are readable' : 'An opaque id of a token kept in the CTS: introspect it to see what AM knows'}>
          {t.format === 'jwt' ? 'JWT' : 'opaque'}
        </Badge>
        {revoked && (
          <Badge tone="warn" title="This app revoked it; the browser keeps its copy so AM's answer to it can be tried">
            revoked
          </Badge>
        )}
        {t.expiresAt !== null && (
          <span className={`countdown countdown-${countdownLevel(t.expiresAt, now)} small`} title="Time left on the lab clock">
            {formatCountdown(t.expiresAt, now)}
          </span>
        )}
        <span className="mono small muted oauth2-token-value" title={t.value}>
          {middleEllipsis(t.value, 8)}
        </span>
      </div>
      {t.claims && (
        <details className="oauth2-claims">
          <summary className="small">Decoded claims{typeof t.header?.kid === 'string' ? ` (kid ${middleEllipsis(t.header.kid, 6)})` : ''}</summary>
          <CodeBlock text={JSON.stringify(t.claims, null, 2)} maxHeight={160} label={`${t.name} claims`} />
        </details>
      )}
    </li>
  );
}

function Result({ last }: { last: Last }) {
  const o = last.result.oauth2;
  const x: TraceExchange | undefined = last.result.exchanges.at(-1);
  const status = last.result.response?.status ?? x?.response.status;
  const location = x?.response.headers.find(([n]) => n.toLowerCase() === 'location')?.[1];
  const failed = !!o?.error || (status !== undefined && status >= 400);
  const body = x?.response.body ? prettyBody(x.response.body) : '';
  return (
    <div className={`call-result oauth2-result ${failed ? 'is-error' : ''}`} role="status" data-testid="oauth2-result">
      <div className="small">
        <strong>{LABELS[last.call]}</strong> → {status ?? '—'}
        {o?.error && (
          <>
            {' '}
            <span className="oauth2-error">{o.error}</span>
            {o.errorDescription && <span className="muted"> · {o.errorDescription}</span>}
          </>
        )}
        {last.result.exchanges.length > 0 && <span className="muted"> · node {last.result.exchanges.map((e) => e.routing.node ?? '-').join(' → ')}</span>}
      </div>
      {location && !o?.error && <div className="mono small muted oauth2-location">Location: {middleEllipsis(location, 48)}</div>}
      {body && last.call !== 'get-tokens' && last.call !== 'refresh-tokens' && <CodeBlock text={body} maxHeight={140} label={`${LABELS[last.call]} response`} />}
    </div>
  );
}

/**
 * OAuth2 on a browser card: the app in this browser gets tokens as the ForgeRock SDK does (authorize
 * with the session cookie and PKCE, the code exchange), reads the user, refreshes, introspects,
 * revokes and ends the session, each an action through the balancer. The tokens it holds are shown
 * decoded when they are JWTs; opaque (stateful) ones are explained by introspecting them.
 */
export function OAuth2Section({ browser, name }: { browser: string; name: string }) {
  const store = useStore();
  const clients = useLab((s) => s.snapshot?.config.oauth2Clients);
  const now = useLabNow();
  const ids = Object.keys(clients ?? {});
  const [chosen, setChosen] = useState<string | null>(null);
  const client = chosen && ids.includes(chosen) ? chosen : (ids.find((id) => clients?.[id]?.type === 'public') ?? ids[0] ?? null);
  const [silent, setSilent] = useState(true);
  const [which, setWhich] = useState<'access' | 'refresh'>('access');
  const [held, setHeld] = useState<Record<string, OAuth2View['held']>>({});
  const [last, setLast] = useState<Last | null>(null);
  /** Token values this card revoked (AM refuses them now; the app still holds them). */
  const [revoked, setRevoked] = useState<ReadonlySet<string>>(new Set());
  if (!client) return null;
  const confidential = clients?.[client]?.type === 'confidential';
  const tokens = held[client] ?? [];
  const has = (n: HeldToken['name']) => tokens.some((t) => t.name === n);

  const run = (call: OAuth2Call) => async () => {
    const base = { browser, client };
    const action =
      call === 'get-tokens'
        ? { action: call, ...base, ...(silent ? { prompt: 'none' as const } : {}) }
        : call === 'introspect' || call === 'revoke'
          ? { action: call, ...base, token: which }
          : { action: call, ...base };
    const result = await store.run(`${name}: ${LABELS[call]} failed to run`, () => store.api.perform(action));
    if (!result) return;
    if (result.oauth2) setHeld((h) => ({ ...h, [client]: result.oauth2!.held }));
    // A revoked refresh token takes its whole grant: the access token with it (TokenRevocationResource).
    const gone = tokens.filter((t) => t.name === `${which}_token` || (which === 'refresh' && t.name === 'access_token')).map((t) => t.value);
    if (call === 'revoke' && result.response?.status === 200) setRevoked((r) => new Set([...r, ...gone]));
    setLast({ call, result });
  };

  return (
    <section className="oauth2" aria-label={`OAuth2 in ${name}`} data-testid="oauth2">
      <div className="oauth2-head">
        <span className="step-label">OAuth2 · OIDC</span>
        <label className="oauth2-client">
          <span className="sr-only">OAuth2 client</span>
          <select value={client} onChange={(e) => setChosen(e.target.value)} aria-label={`${name} OAuth2 client`} data-testid="oauth2-client">
            {ids.map((id) => (
              <option key={id} value={id}>
                {id} ({clients![id]!.type})
              </option>
            ))}
          </select>
        </label>
        <label className="oauth2-silent small" title="The SDK's hidden iframe: AM must answer without showing a page">
          <input type="checkbox" checked={silent} onChange={(e) => setSilent(e.target.checked)} /> prompt=none
        </label>
      </div>
      <div className="actions" role="group" aria-label="OAuth2 calls">
        <Button size="sm" tone="primary" onClick={run('get-tokens')} data-testid="oauth2-get-tokens" title="TokenManager.getTokens: authorize with the session cookie and PKCE, then the code exchange">
          Get tokens
        </Button>
        <Button size="sm" onClick={run('userinfo')} disabled={!has('access_token')} data-testid="oauth2-userinfo" title="UserManager.getCurrentUser">
          User info
        </Button>
        <Button size="sm" onClick={run('refresh-tokens')} disabled={!has('refresh_token')} data-testid="oauth2-refresh" title="grant_type=refresh_token: a new access token and a new refresh token">
          Refresh tokens
        </Button>
        <Button size="sm" onClick={run('end-session')} disabled={!has('id_token')} data-testid="oauth2-end-session" title="connect/endSession with the ID token">
          End session
        </Button>
        {confidential && (
          <Button size="sm" onClick={run('client-credentials')} data-testid="oauth2-client-credentials" title="The client's own access token, no user">
            Client credentials
          </Button>
        )}
      </div>
      <div className="actions oauth2-token-actions" role="group" aria-label="Token calls">
        <Segmented<'access' | 'refresh'>
          label="Token to introspect or revoke"
          value={which}
          onChange={setWhich}
          options={[
            { value: 'access', label: 'Access token' },
            { value: 'refresh', label: 'Refresh token', title: 'Revoking it revokes every token of its grant' },
          ]}
        />
        <Button size="sm" onClick={run('introspect')} disabled={!has(`${which}_token`)} data-testid="oauth2-introspect">
          Introspect
        </Button>
        <Button size="sm" tone="danger" onClick={run('revoke')} disabled={!has(`${which}_token`)} data-testid="oauth2-revoke">
          Revoke
        </Button>
      </div>
      {tokens.length > 0 ? (
        <ul className="oauth2-tokens" aria-label={`Tokens ${name} holds for ${client}`}>
          {tokens.map((t) => (
            <TokenRow key={t.name} t={t} now={now} revoked={revoked.has(t.value)} />
          ))}
        </ul>
      ) : (
        <p className="note">No tokens for {client} yet. Log in, then get tokens: AM issues a code to the session cookie and the app exchanges it.</p>
      )}
      {last && <Result last={last} />}
    </section>
  );
}
