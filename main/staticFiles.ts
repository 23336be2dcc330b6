/**
 * Serving the built window from a directory, shared by the browser host and Electron's app://
 * protocol: one path-traversal check, one content-type table, one CSP per host.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  path: string;
  type: string;
  body: Buffer;
  isHtml: boolean;
}

/**
 * The file a URL path names inside root, or null: encoded dots, backslashes, NUL and anything that
 * resolves outside root are refused before the filesystem is touched.
 */
export function resolveStatic(root: string, pathname: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return null;
  if (rel === '' || rel === '/') rel = '/index.html';
  const base = resolve(root);
  const file = resolve(join(base, rel));
  return file.startsWith(base + sep) ? file : null;
}

export async function readStatic(root: string, pathname: string): Promise<StaticFile | null> {
  const file = resolveStatic(root, pathname);
  if (!file) return null;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return null;
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  return { path: file, type, body: await readFile(file), isHtml: type.startsWith('text/html') };
}

/** The window's policy: its own scripts and styles only, nothing inline, nothing remote. */
export function contentSecurityPolicy(connect: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
