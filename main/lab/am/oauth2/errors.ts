import type { AmResponse } from '../http';

/**
 * An OAuth 2.0 error as AM answers it (OpenAM oauth2/core/exceptions/*, OAuth2RestletException):
 * JSON `{"error_description","error"}` with the exception's status; at authorize, errors for a
 * valid client and redirect URI go back to the client as a 302 with the same fields in the query.
 */
export class OAuth2Error extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }

  response(): AmResponse {
    return { status: this.status, body: { error_description: this.message, error: this.error }, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...this.headers } };
  }
}

export const invalidRequest = (description: string) => new OAuth2Error(400, 'invalid_request', description);
/** InvalidGrantException's default text. */
export const invalidGrant = (description = 'The provided access grant is invalid, expired, or revoked.') => new OAuth2Error(400, 'invalid_grant', description);
/** InvalidTokenException (401), with the RFC 6750 challenge. */
export const invalidToken = (realm: string) =>
  new OAuth2Error(401, 'invalid_token', 'The access token provided is expired, revoked, malformed, or invalid for other reasons.', {
    'WWW-Authenticate': `Bearer realm="${realm}", error="invalid_token", error_description="The access token provided is expired, revoked, malformed, or invalid for other reasons."`,
  });
