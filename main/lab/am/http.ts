import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LabConfig } from '../config';

/** Thrown anywhere in a node's handlers; turned into AM's CREST error JSON by the router. */
export class AmError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: Record<string, unknown>,
    /** Set-Cookie lines to send with the error (e.g. clearing AMAuthCookie on a 110). */
    readonly setCookies: string[] = [],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** HttpOnly on the session cookie: the explicit setting, else the profile's default. */
export function cookieHttpOnly(cfg: LabConfig): boolean {
  return cfg.httpOnly ?? (cfg.profile === '7.5' || cfg.profile === '8');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** CREST serialises errors as code, reason, message[, detail], with the message HTML-escaped. */
export function errorBody(status: number, message: string, detail?: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {
    code: status,
    reason: reasonPhrase(status),
    message: message.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!),
  };
  if (detail) body.detail = detail;
  return body;
}

export function reasonPhrase(status: number): string {
  if (status === 413) return 'Request Entity Too Large';
  return STATUS_CODES[status] ?? 'Error';
}

export interface AmResponse {
  status: number;
  body?: unknown;
  /** Raw text body (used for AM's plain-text 400 on a malformed Accept-API-Version). */
  text?: string;
  headers?: Record<string, string | string[]>;
  setCookies?: string[];
}

export function send(res: ServerResponse, r: AmResponse): void {
  const headers: Record<string, string | string[]> = {
    'X-Frame-Options': 'SAMEORIGIN',
    'X-Content-Type-Options': 'nosniff',
    ...r.headers,
  };
  if (r.setCookies?.length) headers['Set-Cookie'] = r.setCookies;
  let payload = '';
  if (r.text !== undefined) {
    payload = r.text;
    headers['Content-Type'] ??= 'text/plain;charset=UTF-8';
  } else if (r.body !== undefined) {
    payload = JSON.stringify(r.body);
    headers['Content-Type'] = 'application/json;charset=UTF-8';
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, headers);
  res.end(payload);
}

/** Reads the body with a hard cap; over the cap the rest is drained and a 413 follows. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new AmError(413, `Request body exceeds the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      if (!over) chunks.push(c);
    });
    req.on('end', () => (over ? reject(new AmError(413, `Request body exceeds the limit of ${limit} bytes`)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** Parses a JSON request body in AM's way: empty → undefined, wrong media type → 415, bad JSON → 400. */
export function parseJsonBody(req: IncomingMessage, raw: Buffer): unknown {
  if (!raw.length) return undefined;
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) throw new AmError(415, 'Unsupported Media Type');
  const text = raw.toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AmError(400, 'The request could not be processed because the provided JSON is not valid');
  }
}

/** A field of a JSON object body; a body that is not an object is a 400. */
export function bodyField(req: { body: unknown }, field: string): unknown {
  const b = req.body;
  if (b === undefined) return undefined;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new AmError(400, 'The request body must be a JSON object');
  return (b as Record<string, unknown>)[field];
}

/** Request cookies as name → first value (what a server sees; the jar lives in the client). */
export function requestCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

export interface CookieOptions {
  httpOnly?: boolean;
  secure?: boolean;
  expired?: boolean;
}

export const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';

export function setCookie(name: string, value: string, opts: CookieOptions = {}): string {
  let line = `${name}=${value}`;
  if (opts.expired) line += `; Expires=${EPOCH}; Max-Age=0`;
  line += '; Path=/';
  if (opts.secure) line += '; Secure';
  if (opts.httpOnly) line += '; HttpOnly';
  return line;
}
