import type { GrantTokenRow } from '../../main/contract/oauth2';
import { countdownLevel, formatCountdown } from '../lib/format';
import { useLab, useLabNow } from '../state/store';
import { Badge } from './ui';
import './OAuth2.css';

const KIND: Record<GrantTokenRow['kind'], string> = { code: 'code', access_token: 'access', refresh_token: 'refresh', ops: 'ops', jwt: 'JWT' };
/** Said on hover, so a grant's chips stay on one line. */
const HINT: Partial<Record<GrantTokenRow['kind'], string>> = { ops: ' · OpenID Connect session: ties the ID token to the SSO session' };

function TokenChip({ t, now }: { t: GrantTokenRow; now: number }) {
  return (
    <li className={`oauth2-grant-token${t.used ? ' is-used' : ''}`} title={`${t.id}${HINT[t.kind] ?? ''}${t.used ? ' · already exchanged (kept to detect reuse)' : ''}`}>
      <span>{t.kind === 'jwt' ? t.id.split(' ')[0]!.replace('_token', '') : KIND[t.kind]}</span>
      {t.used && <span className="muted"> used</span>}{' '}
      <span className={`countdown countdown-${countdownLevel(t.expiresAt, now)}`}>{formatCountdown(t.expiresAt, now)}</span>
    </li>
  );
}

/**
 * The OAuth2 side of the CTS: the lab's clients (ids and redirect URIs, as `serve` prints the SDK's),
 * and every grant the CTS holds — authorization codes, tokens and AM 7 grant sets, by client and
 * user, counting down on the lab clock — as ldapsearch would find them.
 */
export function OAuth2Grants() {
  const grants = useLab((s) => s.snapshot?.oauth2Grants);
  const clients = useLab((s) => s.snapshot?.config.oauth2Clients);
  const now = useLabNow();
  if (!grants || !clients) return null;
  return (
    <section className="oauth2-grants" aria-label="OAuth2 grants in the CTS" data-testid="oauth2-grants">
      <div className="toolbar">
        <strong className="small">OAuth2 grants in the CTS</strong>
        <span className="toolbar-spacer" />
        <span className="toolbar-count">
          {grants.length} grant{grants.length === 1 ? '' : 's'}
        </span>
      </div>
      <ul className="oauth2-clients" aria-label="OAuth2 clients">
        {Object.entries(clients).map(([id, c]) => (
          <li key={id} data-testid="oauth2-client-row">
            <span className="mono">{id}</span> <Badge tone={c.type === 'public' ? 'accent' : 'neutral'}>{c.type}</Badge>
            {c.realm !== '/' && <span className="muted small"> {c.realm}</span>}
            <span className="muted small"> → </span>
            <span className="mono small">{c.redirectUris.join(', ')}</span>
          </li>
        ))}
      </ul>
      {grants.length === 0 ? (
        <p className="note oauth2-grants-empty">No grants: get tokens from a browser card and the code, the tokens and the grant appear here with their lifetimes.</p>
      ) : (
        <div className="oauth2-grants-scroll">
          <table className="grid-table" aria-label="OAuth2 grants" data-testid="grants">
            <thead>
              <tr>
                <th>Client</th>
                <th>User</th>
                <th>Scope</th>
                <th>Tokens</th>
                <th>Kept as</th>
              </tr>
            </thead>
            <tbody>
              {grants.map((g) => (
                <tr key={g.grantId} data-testid="grant-row" data-client={g.clientId}>
                  <td className="mono">{g.clientId}</td>
                  <td>
                    {g.user}
                    {g.realm !== '/' && <span className="muted small"> {g.realm}</span>}
                  </td>
                  <td className="small oauth2-scope">{g.scope.join(' ')}</td>
                  <td>
                    <ul className="jar-chips" aria-label="Tokens of the grant">
                      {g.tokens.map((t, i) => (
                        <TokenChip key={i} t={t} now={now} />
                      ))}
                    </ul>
                    {g.blacklisted > 0 && <span className="small oauth2-error">{g.blacklisted} revoked (blacklisted)</span>}
                  </td>
                  <td className="oauth2-kept">
                    <Badge tone={g.mode === 'stateful' ? 'neutral' : 'info'} title={g.mode === 'stateful' ? 'Access and refresh tokens are OAUTH tokens in the CTS' : 'Signed JWTs; the grant set (OAUTH2_GRANT_SET) lets AM revoke them'}>
                      {g.mode}
                    </Badge>
                    <span className="muted small"> {g.grantType}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
