import type { LabConfig } from '../config';
import { AmError } from './http';
import { DEFAULT_SERVICE, SERVICES, SERVICE_NAMES, type AuthService } from './services';

/**
 * authIndexType/authIndexValue, as OpenAM resolves them (core/rest/authn/core/AuthIndexType,
 * RestAuthenticationHandler.getAuthIndexType, LoginAuthenticator.startLoginProcess).
 */
export type IndexType = 'none' | 'user' | 'role' | 'service' | 'level' | 'module' | 'resource' | 'composite';

export interface AuthIndex {
  type: IndexType;
  value: string;
  /** Key of the service that runs (SERVICES). */
  serviceKey: string;
  /** What the authenticated identity must then satisfy: be this user, hold this role. */
  requireUser?: string;
  requireRole?: string;
}

/**
 * AuthIndexType.getAuthIndexType: the type is matched against AuthContext.IndexType names
 * (user, role, service, level, module_instance, resource, composite_advice), then against the enum
 * names (MODULE, COMPOSITE); anything else is 400 "Unknown Authentication Index Type". A value
 * with no type is ignored (NONE: the realm's default service).
 */
export function indexType(raw: string | null): IndexType {
  if (raw === null) return 'none';
  const t = raw.toLowerCase();
  if (t === 'module_instance' || t === 'module') return 'module';
  if (t === 'composite_advice' || t === 'composite') return 'composite';
  if (t === 'user' || t === 'role' || t === 'service' || t === 'level' || t === 'resource') return t;
  throw new AmError(400, 'Unknown Authentication Index Type');
}

/** The service an index selects; AM's errors when none fits (amAuth.properties 105, 119, 126). */
export function resolveIndex(cfg: LabConfig, rawType: string | null, rawValue: string | null): AuthIndex {
  const type = indexType(rawType);
  const value = type === 'none' ? '' : (rawValue ?? '');
  const realmDefault = DEFAULT_SERVICE[cfg.auth];
  switch (type) {
    case 'none':
    case 'resource': // no policies in the lab: the resource's advice is the realm's default service
      return { type, value, serviceKey: realmDefault };
    case 'service':
      if (value && !(SERVICE_NAMES as string[]).includes(value)) throw new AmError(400, 'No Configuration found');
      return { type, value, serviceKey: value || realmDefault };
    case 'module':
      if (!SERVICES[`module:${value}`]) throw new AmError(404, 'Authentication Module Not Found.');
      return { type, value, serviceKey: `module:${value}` };
    case 'user':
      // The user's own configuration (iplanet-am-user-auth-config) is the realm's default chain here.
      return { type, value, serviceKey: DEFAULT_SERVICE.chain, requireUser: value };
    case 'role':
      return { type, value, serviceKey: DEFAULT_SERVICE.chain, requireRole: value };
    case 'level':
      return { type, value, serviceKey: serviceForLevel(cfg, value) };
    case 'composite':
      return { type, value, serviceKey: fromAdvice(cfg, value) };
  }
}

function serviceForLevel(cfg: LabConfig, value: string): string {
  const wanted = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(wanted)) throw new AmError(400, 'Invalid Auth Level.');
  const fits = SERVICE_NAMES.filter((k) => SERVICES[k]!.level >= wanted);
  const preferred = fits.find((k) => SERVICES[k]!.kind === cfg.auth) ?? fits[0];
  if (!preferred) throw new AmError(400, 'Invalid Auth Level.');
  return preferred;
}

/**
 * A policy's composite advice (`<Advices><AttributeValuePair><Attribute name="…"/><Value>…</Value>`…),
 * URL-decoded by the HTTP layer: an auth level, a module (AuthScheme) or a service (tree/chain).
 */
function fromAdvice(cfg: LabConfig, xml: string): string {
  const pairs = [...xml.matchAll(/<Attribute\s+name="([^"]+)"\s*\/>\s*<Value>([^<]*)<\/Value>/g)];
  for (const [, name, value] of pairs) {
    if (name === 'AuthLevelConditionAdvice') return serviceForLevel(cfg, value!.replace(/^.*:/, ''));
    if (name === 'AuthSchemeConditionAdvice' && SERVICES[`module:${value}`]) return `module:${value}`;
    if (name === 'AuthenticateToServiceConditionAdvice' && (SERVICE_NAMES as string[]).includes(value!.replace(/^.*:/, ''))) return value!.replace(/^.*:/, '');
  }
  throw new AmError(400, 'No Configuration found');
}

/** What an existing session already satisfies (its AuthLevel, Service, AuthType, UserToken, Role properties). */
export interface Satisfied {
  username: string;
  level: number;
  services: string[];
  modules: string[];
  roles: string[];
}

/** LoginAuthenticator.checkSessionUpgrade: whether this index asks more than the session has. */
export function needsUpgrade(s: Satisfied, index: AuthIndex): boolean {
  switch (index.type) {
    case 'user':
      return index.value !== s.username;
    case 'role':
      return !s.roles.includes(index.value);
    case 'service':
      return !s.services.includes(SERVICES[index.serviceKey]!.name);
    case 'module':
      return !s.modules.includes(index.value);
    case 'level':
      return Number(index.value) > s.level;
    case 'composite':
      return true;
    default:
      return false;
  }
}

export function serviceOf(index: AuthIndex): AuthService {
  return SERVICES[index.serviceKey]!;
}
