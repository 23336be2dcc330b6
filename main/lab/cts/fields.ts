/**
 * AM's generic CTS token fields (OpenAM openam-tokens/.../tokens/CoreTokenField.java): every token
 * type maps what it needs to search on into these indexed string, integer and date attributes,
 * and the rest into the binary coreTokenObject. Field names are the LDAP attribute names.
 */
const two = (n: number) => String(n).padStart(2, '0');
const range = <P extends string>(prefix: P, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${two(i + 1)}`);

export const STRING_FIELDS = range('coreTokenString', 15) as StringField[];
export const INTEGER_FIELDS = range('coreTokenInteger', 10) as IntegerField[];
export const DATE_FIELDS = range('coreTokenDate', 5) as DateField[];

type Two = `0${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}` | '10' | '11' | '12' | '13' | '14' | '15';
export type StringField = `coreTokenString${Two}`;
export type IntegerField = `coreTokenInteger${Exclude<Two, '11' | '12' | '13' | '14' | '15'>}`;
export type DateField = `coreTokenDate0${1 | 2 | 3 | 4 | 5}`;

/** Indexed fields of one token. Dates are lab-clock epoch milliseconds. */
export type CtsFields = { [K in StringField]?: string } & { [K in IntegerField]?: number } & { [K in DateField]?: number };

export type FieldKind = 'string' | 'integer' | 'date';

export function fieldKind(name: string): FieldKind | undefined {
  if ((STRING_FIELDS as string[]).includes(name)) return 'string';
  if ((INTEGER_FIELDS as string[]).includes(name)) return 'integer';
  if ((DATE_FIELDS as string[]).includes(name)) return 'date';
  return undefined;
}

/**
 * The fields as both stores keep them: AM omits empty strings (LdapTokenAttributeConversion), a
 * directory cannot hold an empty DirectoryString, and integers are whole numbers.
 */
export function normalizeFields(fields: CtsFields | undefined): CtsFields | undefined {
  if (!fields) return undefined;
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(fields) as [string, string | number | undefined][]) {
    const kind = fieldKind(k);
    if (!kind) throw new Error(`${k} is not a CTS token field`);
    if (v === undefined || v === '') continue;
    if (kind === 'string' && typeof v !== 'string') throw new Error(`${k} holds a string`);
    if (kind !== 'string' && !Number.isFinite(v)) throw new Error(`${k} holds a number`);
    out[k] = kind === 'string' ? v : Math.floor(v as number);
  }
  return Object.keys(out).length ? (out as CtsFields) : undefined;
}
