/**
 * What a lab-run slapd is made of: a cn=config tree loaded with `slapadd -n 0`, AM's CTS schema,
 * and the DIT a ForgeRock DS "am-cts" setup profile creates, so that `ldapsearch` finds the lab's
 * tokens where an engineer finds them on a customer's DS.
 */

/** DS am-cts profile: backend `ou=tokens`, tokens under famrecords, AM's service account (DS install guide, profile-am-cts). */
export const CTS_SUFFIX = 'ou=tokens';
export const CTS_ROOT_SUFFIX = 'ou=famrecords,ou=openam-session,ou=tokens';
export const CTS_BIND_DN = 'uid=openam_cts,ou=admins,ou=famrecords,ou=openam-session,ou=tokens';

const DIRECTORY_STRING = '1.3.6.1.4.1.1466.115.121.1.15';
const GENERALIZED_TIME = '1.3.6.1.4.1.1466.115.121.1.24';
const INTEGER = '1.3.6.1.4.1.1466.115.121.1.27';
const BINARY = '1.3.6.1.4.1.1466.115.121.1.5';

/**
 * AM's CTS schema (OpenAM .../WEB-INF/template/ldif/sfha/cts-add-schema.ldif and
 * cts-add-multivalue.ldif): OIDs 1.3.6.1.4.1.36733.2.2.1.N. AM's definitions give only a syntax;
 * DS then applies the syntax's default rules. slapd has no such defaults and refuses equality
 * indexes and RDNs without them, so each definition here names the rules DS would use.
 */
const ATTRIBUTES: readonly (readonly [n: number, name: string, syntax: string, single: boolean])[] = [
  [96, 'coreTokenId', DIRECTORY_STRING, true],
  [97, 'coreTokenType', DIRECTORY_STRING, true],
  [98, 'coreTokenExpirationDate', GENERALIZED_TIME, true],
  [99, 'coreTokenUserId', DIRECTORY_STRING, true],
  [100, 'coreTokenObject', BINARY, true],
  ...Array.from({ length: 15 }, (_, i) => [101 + i, `coreTokenString${two(i + 1)}`, DIRECTORY_STRING, true] as const),
  ...Array.from({ length: 10 }, (_, i) => [116 + i, `coreTokenInteger${two(i + 1)}`, INTEGER, true] as const),
  ...Array.from({ length: 5 }, (_, i) => [126 + i, `coreTokenDate${two(i + 1)}`, GENERALIZED_TIME, true] as const),
  ...Array.from({ length: 3 }, (_, i) => [136 + i, `coreTokenMultiString${two(i + 1)}`, DIRECTORY_STRING, false] as const),
];

const RULES: Record<string, string> = {
  [DIRECTORY_STRING]: 'EQUALITY caseIgnoreMatch ORDERING caseIgnoreOrderingMatch SUBSTR caseIgnoreSubstringsMatch ',
  [GENERALIZED_TIME]: 'EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch ',
  [INTEGER]: 'EQUALITY integerMatch ORDERING integerOrderingMatch ',
  [BINARY]: '',
};

/**
 * DS's CTS indexes (cts-indices.ldif, cts-add-multivalue-indices.ldif, minus
 * cts-remove-unused-indices.ldif). slapd has no "ordering" index type: an eq index on a
 * GeneralizedTime attribute also serves the reaper's `<=` filter.
 */
const INDEXED = [
  'coreTokenExpirationDate',
  'coreTokenUserId',
  ...['01', '02', '03', '08', '09', '10', '14', '15'].map((n) => `coreTokenString${n}`),
  ...Array.from({ length: 10 }, (_, i) => `coreTokenInteger${two(i + 1)}`),
  ...Array.from({ length: 5 }, (_, i) => `coreTokenDate${two(i + 1)}`),
  ...Array.from({ length: 3 }, (_, i) => `coreTokenMultiString${two(i + 1)}`),
];

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function schemaLdif(): string {
  const names = ATTRIBUTES.map((a) => a[1]);
  const attrs = ATTRIBUTES.map(
    ([n, name, syntax, single]) =>
      `olcAttributeTypes: ( 1.3.6.1.4.1.36733.2.2.1.${n} NAME '${name}' ${RULES[syntax]}SYNTAX ${syntax}${single ? ' SINGLE-VALUE' : ''} X-ORIGIN 'ForgeRock OpenAM CTSv2' )`,
  );
  const may = names.filter((n) => n !== 'coreTokenId' && n !== 'coreTokenType').join(' $ ');
  return [
    'dn: cn=cts,cn=schema,cn=config',
    'objectClass: olcSchemaConfig',
    'cn: cts',
    ...attrs,
    `olcObjectClasses: ( 1.3.6.1.4.1.36733.2.2.2.27 NAME 'frCoreToken' DESC 'object containing ForgeRock Core Token' SUP top STRUCTURAL MUST ( coreTokenId $ coreTokenType ) MAY ( ${may} ) X-ORIGIN 'ForgeRock OpenAM CTSv2' )`,
  ].join('\n');
}

/** Paths in the config are relative: slapd and slapadd run in the instance's directory, so one can be copied. */
export interface SlapdInstanceConfig {
  /** olcServerID: unique per replica (1…). */
  serverId: number;
  /** Providers this replica pulls from (multi-provider syncrepl), usually through a replication link. */
  providers: string[];
  password: string;
  /** Debian: /etc/ldap/schema (core.ldif) and /usr/lib/ldap (back_mdb, syncprov). */
  schemaDir: string;
  modulePath: string;
}

/** The cn=config tree for `slapadd -n 0`. */
export function configLdif(c: SlapdInstanceConfig): string {
  const replicated = c.providers.length > 0;
  const syncrepl = c.providers.map(
    (url, i) =>
      `olcSyncrepl: rid=${String(i + 1).padStart(3, '0')} provider=${url} bindmethod=simple binddn="${CTS_BIND_DN}" credentials=${c.password} searchbase="${CTS_SUFFIX}" type=refreshAndPersist retry="1 +" timeout=2 network-timeout=2`,
  );
  return [
    'dn: cn=config',
    'objectClass: olcGlobal',
    'cn: config',
    'olcPidFile: slapd.pid',
    'olcArgsFile: slapd.args',
    `olcServerID: ${c.serverId}`,
    '',
    'dn: cn=module{0},cn=config',
    'objectClass: olcModuleList',
    'cn: module{0}',
    `olcModulePath: ${c.modulePath}`,
    'olcModuleLoad: back_mdb',
    ...(replicated ? ['olcModuleLoad: syncprov'] : []),
    '',
    'dn: cn=schema,cn=config',
    'objectClass: olcSchemaConfig',
    'cn: schema',
    '',
    `include: file://${c.schemaDir}/core.ldif`,
    '',
    schemaLdif(),
    '',
    'dn: olcDatabase={-1}frontend,cn=config',
    'objectClass: olcDatabaseConfig',
    'olcDatabase: {-1}frontend',
    '',
    'dn: olcDatabase={0}config,cn=config',
    'objectClass: olcDatabaseConfig',
    'olcDatabase: {0}config',
    '',
    'dn: olcDatabase={1}mdb,cn=config',
    'objectClass: olcDatabaseConfig',
    'objectClass: olcMdbConfig',
    'olcDatabase: {1}mdb',
    `olcSuffix: ${CTS_SUFFIX}`,
    // syncrepl writes what it pulls as the root DN; it has no password, so nobody can bind as it.
    `olcRootDN: cn=replication,${CTS_SUFFIX}`,
    'olcDbDirectory: db',
    'olcDbMaxSize: 1073741824',
    // A lab's tokens need not survive a power cut: no fsync per write (a stop still writes them out).
    'olcDbNoSync: TRUE',
    // The CTS account reads and writes the whole backend; paged reaper searches exceed slapd's default size limit of 500.
    `olcAccess: {0}to attrs=userPassword by dn.exact="${CTS_BIND_DN}" manage by anonymous auth by * none`,
    `olcAccess: {1}to * by dn.exact="${CTS_BIND_DN}" manage by * none`,
    `olcLimits: {0}dn.exact="${CTS_BIND_DN}" size=unlimited time=unlimited`,
    'olcDbIndex: objectClass eq',
    'olcDbIndex: entryCSN,entryUUID eq',
    ...INDEXED.map((a) => `olcDbIndex: ${a} eq`),
    ...syncrepl,
    ...(replicated ? ['olcMultiProvider: TRUE', '', 'dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config', 'objectClass: olcOverlayConfig', 'objectClass: olcSyncProvConfig', 'olcOverlay: {0}syncprov'] : []),
    '',
  ].join('\n');
}

/**
 * The DIT (cts-container.ldif under the am-cts profile's `ou=tokens`) and AM's service account,
 * for `slapadd -n 1`. Every replica loads the same entries with the same entryUUID and entryCSN,
 * so replication finds nothing to reconcile at start.
 */
export function baseEntriesLdif(password: string): string {
  const csn = '20000101000000.000000Z#000000#000#000000';
  const entry = (uuid: string, lines: string[]) => [...lines, `entryUUID: ${uuid}`, `entryCSN: ${csn}`, ''].join('\n');
  return [
    entry('7f1c0a4e-0000-4000-8000-000000000001', ['dn: ou=tokens', 'objectClass: organizationalUnit', 'ou: tokens']),
    entry('7f1c0a4e-0000-4000-8000-000000000002', ['dn: ou=openam-session,ou=tokens', 'objectClass: organizationalUnit', 'ou: openam-session']),
    entry('7f1c0a4e-0000-4000-8000-000000000003', [`dn: ${CTS_ROOT_SUFFIX}`, 'objectClass: organizationalUnit', 'ou: famrecords']),
    entry('7f1c0a4e-0000-4000-8000-000000000004', [`dn: ou=admins,${CTS_ROOT_SUFFIX}`, 'objectClass: organizationalUnit', 'ou: admins']),
    entry('7f1c0a4e-0000-4000-8000-000000000005', [
      `dn: ${CTS_BIND_DN}`,
      'objectClass: organizationalRole',
      'objectClass: simpleSecurityObject',
      'objectClass: uidObject',
      'cn: openam_cts',
      'uid: openam_cts',
      `userPassword: ${password}`,
    ]),
  ].join('\n');
}
