/**
 * The authentication services the emulated realm offers: module-based chains and trees. Each is a
 * list of pages; each page is the set of callbacks AM sends in one step, and what the answers to
 * them mean. Callback JSON follows OpenAM's REST callback handlers (RestAuthCallbackHandlerManager
 * and callbackhandlers/*): input names are IDToken<1-based position>, trees add `_id`.
 */
export type CallbackDef =
  | { type: 'NameCallback'; prompt: string; collects: 'username' }
  | { type: 'PasswordCallback'; prompt: string; collects: 'password' | 'otp' }
  | { type: 'TextOutputCallback'; message: string; messageType: '0' | '1' | '2' }
  | { type: 'ChoiceCallback'; prompt: string; choices: string[]; defaultChoice: number; collects: 'choice' }
  | { type: 'RedirectCallback'; redirectUrl: string };

export interface Page {
  /** Chains report the module instance as `stage`. */
  stage?: string;
  callbacks: CallbackDef[];
  /** Where an answered choice leads: the index of the next page, or 'fail' (no such branch). */
  branch?: (choice: number) => number | 'fail';
  /**
   * What is checked once this page is answered: the user name and password (Data Store Decision /
   * DataStore module), the one-time code, or a partner's confirmation (which never comes in the lab).
   */
  verify?: 'credentials' | 'otp' | 'partner';
  /** Last page of its branch: the journey ends after it. */
  final?: boolean;
}

export interface AuthService {
  kind: 'chain' | 'tree';
  name: string;
  description: string;
  pages: Page[];
  /**
   * Whether X-OpenAM-Username/Password log in without callbacks. Chains fill Name/Password
   * callbacks from them internally (RestAuthCallbackHandlerManager.handleCallbacksInternally);
   * trees only where a Zero Page Login Collector node reads them.
   */
  zeroPageLogin: boolean;
  /** Authentication level the service grants (the modules' levels in a chain, the tree's in a tree). */
  level: number;
  /** Module instances it runs (AuthType session property). */
  modules: string[];
  /** Whom it authenticates: users, or agent profiles (the Application module). */
  identities: 'users' | 'agents';
}

const credentialsPage = (stage?: string): Page => ({
  stage,
  verify: 'credentials',
  callbacks: [
    { type: 'NameCallback', prompt: stage ? 'User Name:' : 'User Name', collects: 'username' },
    { type: 'PasswordCallback', prompt: stage ? 'Password:' : 'Password', collects: 'password' },
  ],
});

/** One-time code the lab's MFA step "sends"; shown in its TextOutputCallback so a person can type it. */
export const LAB_OTP = '424242';

export const SERVICES: Record<string, AuthService> = {
  ldapService: {
    kind: 'chain',
    name: 'ldapService',
    description: 'Default chain: DataStore module (user name and password on one page)',
    pages: [{ ...credentialsPage('DataStore1'), final: true }],
    zeroPageLogin: true,
    level: 0,
    modules: ['DataStore'],
    identities: 'users',
  },
  Login: {
    kind: 'tree',
    name: 'Login',
    description: 'Default tree: Page node with Username and Password collectors, then Data Store Decision',
    pages: [{ ...credentialsPage(), final: true }],
    zeroPageLogin: false,
    level: 0,
    modules: ['DataStore'],
    identities: 'users',
  },
  Example: {
    kind: 'tree',
    name: 'Example',
    description: 'Example tree: Zero Page Login Collector, Username Collector, then Password Collector (two steps), then Data Store Decision',
    pages: [
      { callbacks: [{ type: 'NameCallback', prompt: 'User Name', collects: 'username' }] },
      { callbacks: [{ type: 'PasswordCallback', prompt: 'Password', collects: 'password' }], verify: 'credentials', final: true },
    ],
    zeroPageLogin: true,
    level: 0,
    modules: ['DataStore'],
    identities: 'users',
  },
  MFA: {
    kind: 'tree',
    name: 'MFA',
    description: 'MFA-like tree: credentials, then a choice of how to get a one-time code (or a partner redirect), then the code',
    pages: [
      credentialsPage(),
      {
        callbacks: [
          { type: 'TextOutputCallback', message: 'A second factor is required.', messageType: '0' },
          { type: 'ChoiceCallback', prompt: 'Send the one-time code by', choices: ['Email', 'SMS', 'Partner approval'], defaultChoice: 0, collects: 'choice' },
        ],
        branch: (choice) => (choice === 0 || choice === 1 ? 2 : choice === 2 ? 3 : 'fail'),
      },
      {
        callbacks: [
          { type: 'TextOutputCallback', message: `Lab: the one-time code sent is ${LAB_OTP}`, messageType: '0' },
          { type: 'PasswordCallback', prompt: 'One-time code', collects: 'otp' },
        ],
        verify: 'otp',
        final: true,
      },
      // The partner never confirms in the lab: posting the redirect step back continues the
      // journey without the partner's answer, which the tree treats as a failed second factor.
      { callbacks: [{ type: 'RedirectCallback', redirectUrl: 'https://mfa-partner.example.invalid/approve' }], verify: 'partner', final: true },
    ],
    zeroPageLogin: false,
    level: 10,
    modules: ['DataStore', 'OATH'],
    identities: 'users',
  },
  /** module=DataStore: the DataStore module on its own (authIndexType=module). */
  'module:DataStore': {
    kind: 'chain',
    name: 'DataStore',
    description: 'DataStore module alone (authIndexType=module)',
    pages: [{ ...credentialsPage('DataStore1'), final: true }],
    zeroPageLogin: true,
    level: 0,
    modules: ['DataStore'],
    identities: 'users',
  },
  /** module=Application: how web and Java agents log in with their profile name and password. */
  'module:Application': {
    kind: 'chain',
    name: 'Application',
    description: 'Application module: agent profile name and password (authIndexType=module, as agents log in)',
    pages: [{ ...credentialsPage('Application1'), final: true }],
    zeroPageLogin: true,
    level: 0,
    modules: ['Application'],
    identities: 'agents',
  },
};

/** Services a recipe or the window may name with authIndexType=service. */
export const SERVICE_NAMES = Object.keys(SERVICES).filter((k) => !k.startsWith('module:')) as [string, ...string[]];

export const DEFAULT_SERVICE = { chain: 'ldapService', tree: 'Login' } as const;

/** AM's callback JSON for a page. */
export function renderCallbacks(service: AuthService, page: Page) {
  return page.callbacks.map((cb, i) => {
    const name = `IDToken${i + 1}`;
    const json: Record<string, unknown> = { type: cb.type };
    switch (cb.type) {
      case 'NameCallback':
      case 'PasswordCallback':
        json.output = [{ name: 'prompt', value: cb.prompt }];
        json.input = [{ name, value: '' }];
        break;
      case 'TextOutputCallback':
        // messageType is a string here, unlike ConfirmationCallback's int (OpenAM TextOutputCallbackHandler).
        json.output = [
          { name: 'message', value: cb.message },
          { name: 'messageType', value: cb.messageType },
        ];
        break;
      case 'ChoiceCallback':
        json.output = [
          { name: 'prompt', value: cb.prompt },
          { name: 'choices', value: cb.choices },
          { name: 'defaultChoice', value: cb.defaultChoice },
        ];
        json.input = [{ name, value: cb.defaultChoice }];
        break;
      case 'RedirectCallback':
        json.output = [
          { name: 'redirectUrl', value: cb.redirectUrl },
          { name: 'redirectMethod', value: 'GET' },
          { name: 'trackingCookie', value: false },
        ];
        break;
    }
    if (service.kind === 'tree') json._id = i;
    return json;
  });
}

export interface Answers {
  username?: string;
  password?: string;
  otp?: string;
  choice?: number;
}

/** Reads submitted values by IDToken name; a missing or mistyped value counts as empty. */
export function readCallbacks(page: Page, body: unknown): Answers {
  const submitted = (body as { callbacks?: unknown })?.callbacks;
  const list = Array.isArray(submitted) ? submitted : [];
  const value = (name: string): unknown => {
    let found: unknown;
    for (const c of list) {
      const inputs = (c as { input?: unknown })?.input;
      if (!Array.isArray(inputs)) continue;
      for (const inp of inputs) if ((inp as { name?: unknown })?.name === name) found = (inp as { value?: unknown }).value;
    }
    return found;
  };
  const out: Answers = {};
  page.callbacks.forEach((cb, i) => {
    if (!('collects' in cb)) return;
    const v = value(`IDToken${i + 1}`);
    if (cb.collects === 'choice') {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : -1;
      out.choice = Number.isInteger(n) && n >= 0 && n < cb.choices.length ? n : -1;
    } else out[cb.collects] = typeof v === 'string' ? v : '';
  });
  return out;
}
