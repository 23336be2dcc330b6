import { Redactor } from './redact';
import { sweepShapes } from './redactSweep';

/** Distinct secrets remembered before the log redactor starts a fresh registry. */
const MAX_SECRETS = 5_000;

/**
 * Redaction for the lines `serve` and `balance` write to stderr (terminal scrollback, CI logs): a
 * request path keeps its query, with the values HAR export replaces (tokenId, authId, IDToken2,
 * OAuth codes and tokens, …) and any AM token or JWT by shape turned into pseudonyms; event messages
 * get the shape sweep. Pseudonyms stay the same from line to line, so one session can be followed;
 * after MAX_SECRETS the registry starts over (numbers never repeat), so a long run's memory stays bounded.
 */
export class LogRedactor {
  private redactor = new Redactor({});

  /** `/am/json/…/sessions?_action=validate&tokenId=<token>` → `…&tokenId=REDACTED-SSO-1@01`. */
  path(path: string): string {
    return this.sweep(this.current().url(path, 'log'));
  }

  /** Free text (an event's message): secrets already met, and tokens or JWTs by shape. */
  text(text: string): string {
    return this.sweep(text);
  }

  private sweep(text: string): string {
    const reg = this.current().reg;
    return sweepShapes(reg, reg.sweep(text, 'log'), 'log');
  }

  private current(): Redactor {
    const reg = this.redactor.reg;
    if (reg.secrets.length > MAX_SECRETS) {
      this.redactor = new Redactor({});
      this.redactor.reg.reserve(reg.secrets.map((s) => s.pseudonym));
    }
    return this.redactor;
  }
}
