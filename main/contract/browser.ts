/**
 * What a virtual browser sees of AM: its answers to authenticate calls (classified as the ForgeRock
 * JS SDK does), other REST answers and the cookies in its jar.
 */
/** AM's answer to one authenticate call, classified the way the ForgeRock JS SDK does it. */
export type LoginStep =
  | { kind: 'callbacks'; status: number; payload: AuthPayload }
  | { kind: 'success'; status: number; body: Record<string, unknown> }
  | { kind: 'failure'; status: number; body: Record<string, unknown> };

export interface AuthPayload {
  authId: string;
  callbacks: { type: string; output: { name: string; value: unknown }[]; input?: { name: string; value: unknown }[]; _id?: number }[];
  [k: string]: unknown;
}

export interface BrowserResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface CookieView {
  name: string;
  value: string;
  domain: string;
  path: string;
  /** Lab-clock expiry in epoch ms, or null for a session cookie. */
  expires: number | null;
  httpOnly: boolean;
  secure: boolean;
  sameSite: string;
}

/**
 * The inputs of a callbacks step filled from credentials by callback type (NameCallback,
 * PasswordCallback), as the ForgeRock SDK's login helpers do: the virtual browser's login and the
 * window's pre-filled form use the same answers.
 */
export function callbackAnswers(payload: AuthPayload, username: string, password: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const cb of payload.callbacks ?? []) {
    const name = cb.input?.[0]?.name;
    if (!name) continue;
    if (cb.type === 'NameCallback') values[name] = username;
    if (cb.type === 'PasswordCallback') values[name] = password;
  }
  return values;
}

/** The credentials a submitted form carried (its NameCallback and PasswordCallback inputs), if both. */
export function submittedCredentials(payload: AuthPayload, values: Record<string, string>): { username: string; password: string } | undefined {
  let username: string | undefined;
  let password: string | undefined;
  for (const cb of payload.callbacks ?? []) {
    const name = cb.input?.[0]?.name;
    if (!name || !(name in values)) continue;
    if (cb.type === 'NameCallback') username = values[name];
    if (cb.type === 'PasswordCallback') password = values[name];
  }
  return username !== undefined && password !== undefined ? { username, password } : undefined;
}
