/**
 * The authentication services the emulated realm offers: one module-based chain and two trees.
 * Each is a list of pages; each page is the set of callbacks AM sends in one step.
 */
export interface CallbackDef {
  type: 'NameCallback' | 'PasswordCallback';
  prompt: string;
}

export interface Page {
  /** Chains report the module instance as `stage`. */
  stage?: string;
  callbacks: CallbackDef[];
}

export interface AuthService {
  kind: 'chain' | 'tree';
  name: string;
  description: string;
  pages: Page[];
}

export const SERVICES: Record<string, AuthService> = {
  ldapService: {
    kind: 'chain',
    name: 'ldapService',
    description: 'Default chain: DataStore module (user name and password on one page)',
    pages: [{ stage: 'DataStore1', callbacks: [{ type: 'NameCallback', prompt: 'User Name:' }, { type: 'PasswordCallback', prompt: 'Password:' }] }],
  },
  Login: {
    kind: 'tree',
    name: 'Login',
    description: 'Default tree: Page node with Username and Password collectors, then Data Store Decision',
    pages: [{ callbacks: [{ type: 'NameCallback', prompt: 'User Name' }, { type: 'PasswordCallback', prompt: 'Password' }] }],
  },
  Example: {
    kind: 'tree',
    name: 'Example',
    description: 'Example tree: Username Collector, then Password Collector (two steps), then Data Store Decision',
    pages: [{ callbacks: [{ type: 'NameCallback', prompt: 'User Name' }] }, { callbacks: [{ type: 'PasswordCallback', prompt: 'Password' }] }],
  },
};

export const DEFAULT_SERVICE = { chain: 'ldapService', tree: 'Login' } as const;

/** AM's callback JSON for a page: input names are IDToken<1-based position>; trees add `_id`. */
export function renderCallbacks(service: AuthService, page: Page) {
  return page.callbacks.map((cb, i) => {
    const json: Record<string, unknown> = {
      type: cb.type,
      output: [{ name: 'prompt', value: cb.prompt }],
      input: [{ name: `IDToken${i + 1}`, value: '' }],
    };
    if (service.kind === 'tree') json._id = i;
    return json;
  });
}

/** Reads submitted values by IDToken name; a missing or non-string value counts as empty. */
export function readCallbacks(page: Page, body: unknown): { username?: string; password?: string } {
  const submitted = (body as { callbacks?: unknown })?.callbacks;
  const list = Array.isArray(submitted) ? submitted : [];
  const out: { username?: string; password?: string } = {};
  page.callbacks.forEach((cb, i) => {
    const name = `IDToken${i + 1}`;
    let value = '';
    for (const c of list) {
      const inputs = (c as { input?: unknown })?.input;
      if (!Array.isArray(inputs)) continue;
      for (const inp of inputs) {
        const v = (inp as { name?: unknown; value?: unknown }) ?? {};
        if (v.name === name && typeof v.value === 'string') value = v.value;
      }
    }
    if (cb.type === 'NameCallback') out.username = value;
    else out.password = value;
  });
  return out;
}
