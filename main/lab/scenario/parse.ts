import { basename, extname } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import type { ActionName } from '../../contract/actions';
import { LIVE_SETTINGS } from '../config';
import { RECIPE_START_SETTINGS, type RecipeSettings } from '../../contract/settings';
import { STEP_ARGS, STEP_KEYWORDS, stepAction, stepLabel, type StepKeyword } from './grammar';
import { ExpectationSchema, RecipeTopSchema, expectKeysFor, type Expectation, type Recipe, type RecipeStep, type RecipeUser } from './schema';

export interface RecipeProblem {
  line: number;
  col: number;
  message: string;
}

/** A recipe that cannot run: every problem with its line and column, compiler style. */
export class RecipeError extends Error {
  constructor(
    readonly source: string,
    readonly problems: RecipeProblem[],
  ) {
    super(problems.map((p) => `${source}:${p.line}:${p.col}: ${p.message}`).join('\n'));
    this.name = 'RecipeError';
  }
}

const MAX_TEXT = 1024 * 1024;
type Path = (string | number)[];

/** Positions of YAML nodes, so a schema problem at a path can name the line it is on. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  private pos(offset: number): { line: number; col: number } {
    return this.lines.linePos(offset);
  }

  /** Where the value at `path` is; for a missing key, where its parent is. */
  at(path: Path): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (node && typeof node === 'object' && 'range' in node && (node as YamlNode).range) return this.pos((node as YamlNode).range![0]);
    }
    return { line: 1, col: 1 };
  }

  /** Where a key of the map at `path` is written (for unknown keys). */
  key(path: Path, key: string): { line: number; col: number } {
    const map = path.length ? this.doc.getIn(path, true) : this.doc.contents;
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return this.pos(pair.key.range[0]);
      }
    }
    return this.at(path);
  }
}

/** ['steps', 3, 'expect', 'valid'] → "step 4 expect.valid" */
function pathText(path: Path): string {
  const [head, index, ...rest] = path;
  const tail = (p: Path) => p.reduce<string>((s, x) => (typeof x === 'number' ? `${s}[${x}]` : s ? `${s}.${x}` : x), '');
  if (head === 'steps' && typeof index === 'number') return `step ${index + 1}${rest.length ? ` ${tail(rest)}` : ''}`;
  return tail(path);
}

/** Parses and validates a recipe. Throws RecipeError listing every problem with line:col. */
export function parseRecipe(text: string, source = '<recipe>'): Recipe {
  if (text.length > MAX_TEXT) throw new RecipeError(source, [{ line: 1, col: 1, message: `a recipe is at most ${MAX_TEXT} characters` }]);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    throw new RecipeError(
      source,
      doc.errors.map((e) => ({ line: e.linePos?.[0].line ?? 1, col: e.linePos?.[0].col ?? 1, message: `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` })),
    );
  }
  const loc = new Locator(doc, lines);
  const problems: RecipeProblem[] = [];
  const report = (path: Path, message: string, key?: string) => {
    const p = key !== undefined ? loc.key(path, key) : loc.at(path);
    problems.push({ ...p, message });
  };
  const check = <S extends z.ZodType>(schema: S, value: unknown, path: Path): z.infer<S> | undefined => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    for (const issue of r.error.issues) {
      const at = [...path, ...(issue.path as (string | number)[])];
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) report(at, `${pathText([...at, k])}: unknown key "${k}"${suggest(k, keysAt([...at, k]))}`, k);
      } else report(at, `${pathText(at) || 'recipe'}: ${issue.message}`);
    }
    return undefined;
  };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new RecipeError(source, [{ line: 1, col: 1, message: `YAML: ${(e as Error).message}` }]);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new RecipeError(source, [{ line: 1, col: 1, message: 'a recipe is a YAML mapping with description, cluster, users and steps' }]);
  const rawTop = raw as Record<string, unknown>;
  const top = check(RecipeTopSchema, raw, []);
  // Even when the top level has problems, the steps are checked too, so one run lists them all.
  const asMap = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const cluster = top?.cluster ?? {};
  const variants: Record<string, RecipeSettings> = {};
  for (const name of Object.keys(top ? (top.variants ?? {}) : asMap(rawTop.variants))) variants[name] = top?.variants?.[name] ?? {};
  const users: Record<string, RecipeUser> = top ? (top.users ?? {}) : Object.fromEntries(Object.keys(asMap(rawTop.users)).map((k) => [k, { username: 'demo', password: '' }]));
  const rawSteps = top ? top.steps : Array.isArray(rawTop.steps) ? rawTop.steps : [];

  const steps: RecipeStep[] = [];
  rawSteps.forEach((rawStep, index) => {
    const step = parseStep(rawStep, index, ['steps', index], { users, variants, check, report, loc });
    if (step) steps.push(step);
  });
  if (!top || problems.length) throw new RecipeError(source, problems.sort((a, b) => a.line - b.line || a.col - b.col));

  const name = top.name ?? basename(source, extname(source)).toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return {
    name,
    title: top.title ?? firstSentence(top.description),
    description: top.description.trim(),
    source,
    cluster,
    variants,
    users,
    steps,
  };
}

interface StepContext {
  users: Record<string, unknown>;
  variants: Record<string, unknown>;
  check: <S extends z.ZodType>(schema: S, value: unknown, path: Path) => z.infer<S> | undefined;
  report: (path: Path, message: string, key?: string) => void;
  loc: Locator;
}

const STEP_META = new Set(['expect', 'note']);

function parseStep(raw: unknown, index: number, path: Path, ctx: StepContext): RecipeStep | undefined {
  const line = ctx.loc.at(path).line;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.report(path, `step ${index + 1}: a step is a mapping such as "- login: alice" (with optional expect and note)`);
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const actionKeys = Object.keys(obj).filter((k) => !STEP_META.has(k));
  if (actionKeys.length !== 1) {
    ctx.report(
      path,
      actionKeys.length === 0
        ? `step ${index + 1}: no action; use one of ${STEP_KEYWORDS.join(', ')}`
        : `step ${index + 1}: a step does one thing, found ${actionKeys.join(' and ')}`,
    );
    return undefined;
  }
  const key = actionKeys[0]!;
  if (!(STEP_KEYWORDS as readonly string[]).includes(key)) {
    ctx.report(path, `step ${index + 1}: unknown action "${key}"${suggest(key, STEP_KEYWORDS)}`, key);
    return undefined;
  }
  const arg = ctx.check(STEP_ARGS[key as StepKeyword] as z.ZodType<object>, obj[key], [...path, key]);
  if (arg === undefined) return undefined;
  const action = stepAction(key as StepKeyword, arg);
  if ('user' in action && !(action.user in ctx.users)) {
    const known = Object.keys(ctx.users);
    ctx.report([...path, key], `step ${index + 1}: no user "${action.user}" in users${known.length ? ` (users are ${known.join(', ')})` : '; declare it under users:'}`);
  }
  if (action.action === 'load' && action.as && !(action.as in ctx.users)) ctx.report([...path, key, 'as'], `step ${index + 1}: no user "${action.as}" in users`);

  let note: string | undefined;
  let notes: Record<string, string> | undefined;
  const variantNames = Object.keys(ctx.variants);
  if (typeof obj.note === 'string') note = obj.note.trim();
  else if (obj.note && typeof obj.note === 'object' && !Array.isArray(obj.note) && variantNames.length && Object.entries(obj.note).every(([k, v]) => variantNames.includes(k) && typeof v === 'string')) {
    notes = Object.fromEntries(Object.entries(obj.note as Record<string, string>).map(([k, v]) => [k, v.trim()]));
  } else if (obj.note !== undefined) ctx.report([...path, 'note'], `step ${index + 1}: note is text${variantNames.length ? `, or text per variant (${variantNames.join(', ')})` : ''}`);
  const expect = parseExpect(obj.expect, action.action, index, [...path, 'expect'], ctx);
  return { index, line, label: stepLabel(action), note, ...(notes ? { notes } : {}), action, expect };
}

function parseExpect(raw: unknown, kind: ActionName, index: number, path: Path, ctx: StepContext): Record<string, Expectation> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.report(path, `step ${index + 1}: expect is a mapping such as { status: 401, message: Session has timed out }`);
    return {};
  }
  const keys = Object.keys(raw);
  const variantNames = Object.keys(ctx.variants);
  const byVariant = variantNames.length > 0 && keys.length > 0 && keys.every((k) => variantNames.includes(k) || k === 'all');
  const out: Record<string, Expectation> = {};
  const one = (value: unknown, p: Path, as: string) => {
    const e = ctx.check(ExpectationSchema, value, p);
    if (!e) return;
    const allowed = expectKeysFor(kind);
    for (const k of Object.keys(e) as (keyof Expectation)[]) {
      if (!allowed.includes(k)) ctx.report(p, `step ${index + 1}: a ${kind} step cannot expect "${k}" (it can expect ${allowed.join(', ')})`, k);
    }
    out[as] = e;
  };
  if (byVariant) for (const k of keys) one((raw as Record<string, unknown>)[k], [...path, k], k === 'all' ? '*' : k);
  else one(raw, path, '*');
  return out;
}

const SETTINGS_KEYS: readonly string[] = LIVE_SETTINGS;
const RECIPE_SETTINGS_KEYS: readonly string[] = [...LIVE_SETTINGS, ...RECIPE_START_SETTINGS];
const LOAD_KEYS = ['logins', 'duration', 'concurrency', 'users', 'as', 'service', 'logout', 'think'];
const MATCH_KEYS = ['min', 'max', 'not', 'oneOf', 'contains'];

/** The keys that could have been meant at a path, for "did you mean" hints. */
function keysAt(path: Path): readonly string[] {
  const top = path[0];
  if (path.length <= 1) return Object.keys(RecipeTopSchema.shape);
  if (path.includes('configure')) return SETTINGS_KEYS;
  if (top === 'cluster' || top === 'variants') return RECIPE_SETTINGS_KEYS;
  if (top === 'users') return ['username', 'password'];
  const e = path.indexOf('expect');
  if (e >= 0) return path.length - e <= 2 ? Object.keys(ExpectationSchema.shape) : MATCH_KEYS;
  if (path.includes('load')) return LOAD_KEYS;
  return ['user', 'service', 'realm'];
}

/** " (did you mean login?)" for a near miss. */
function suggest(word: string, options: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = distance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best && bestD <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean ${best}?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function firstSentence(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  const m = /^(.{10,160}?[.!?])(\s|$)/.exec(flat);
  return m ? m[1]! : flat.slice(0, 160);
}
