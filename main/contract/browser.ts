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
