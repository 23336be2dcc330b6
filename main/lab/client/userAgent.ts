import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How a virtual browser marks its requests, and how the balancer reads the mark: the User-Agent
 * carries `browser/<id>` and, during an action, `action/<tag>` — no extra header reaches AM. The
 * executor runs each action inside its tag (taggedWith), so the recorder hands it the exchanges
 * its requests made, even while other browsers' traffic interleaves.
 */
const actionTag = new AsyncLocalStorage<string>();

export function userAgent(browserId: string): string {
  const tag = actionTag.getStore();
  return `Mozilla/5.0 (X11; Linux x86_64) AMSessionLab/1 browser/${browserId}${tag ? ` action/${tag}` : ''}`;
}

/** Runs fn with every virtual browser request it makes tagged. */
export function taggedWith<T>(tag: string, fn: () => Promise<T>): Promise<T> {
  return actionTag.run(tag, fn);
}

const MARK = /\bbrowser\/([\w-]+)(?: action\/([\w-]+))?/;

/** The virtual browser and action tag a User-Agent names (null for other clients). */
export function clientOf(ua: string | undefined): { browser: string | null; tag: string | null } {
  const m = ua ? MARK.exec(ua) : null;
  return { browser: m?.[1] ?? null, tag: m?.[2] ?? null };
}
