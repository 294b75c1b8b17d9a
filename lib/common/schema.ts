// The checks of every setting, as zod schemas typed against the props interfaces: an interface is
// the one declaration of a setting's name, type and documentation; its schema says which values
// are valid and what the default is; settle() checks a whole props object in one pass and reports
// every problem as `<prop>: <problem>. Fix: <fix>`.
import { z } from 'zod';
import { InvalidPropError, PropsError, show } from './prop-error';

/** True when A and B are assignable to each other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The fields where a shape and the interface T disagree: missing, extra, or accepting another type. */
export type Disagreements<S, T> = Exclude<keyof T, keyof S>
  | { [K in keyof S]: K extends keyof T ? (Same<z.input<S[K]>, T[K]> extends true ? never : K) : K }[keyof S];

/** What a shape must be for T: every field, and only those (a disagreement names the fields). */
type AgreesWith<S, T> = [Disagreements<S, T>] extends [never] ? S : { readonly disagreesWithTheInterfaceAt: Disagreements<S, T> };

/**
 * The schema of the struct T (an interface of readonly data): a strict object (unknown keys are
 * refused) with one schema per field, each accepting exactly the field's type. A field missing, a
 * field the interface lacks, or a type that differs fails to compile. `name` is the interface's,
 * for the generated docs.
 */
export function structOf<T>(name: string) {
  return <S extends z.ZodRawShape>(shape: S & AgreesWith<S, T>) => z.strictObject(shape).meta({ title: name });
}

/** `base`, then the check of validate.ts: a problem it throws becomes an issue with its fix. */
export function checked<S extends z.ZodType>(base: S, check: (prop: string, value: z.output<S>) => unknown): S {
  return base.superRefine((value, ctx) => {
    try {
      check('', value);
    } catch (e) {
      if (!(e instanceof InvalidPropError)) throw e;
      // The check names a part of the value (`.key`, `[0]`) as its prop: kept as the issue's suffix.
      ctx.addIssue({ code: 'custom', message: e.problem, params: { fix: e.fix, suffix: e.prop } });
    }
  }) as S;
}

/** Adds a problem of the object being refined at `path` (a cross-field check). */
export function problem(ctx: z.RefinementCtx, path: Array<string | number>, message: string, fix: string): void {
  ctx.addIssue({ code: 'custom', message, params: { fix }, path });
}

/** Checks `value` against `schema`; returns its output (defaults filled in) or throws every problem at once. */
export function settle<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new PropsError(problemsOf(result.error.issues, schema, prefix));
}

/** The problems of a failed parse, one line each, `<prefix>.<path>: <problem>. Fix: <fix>`. */
export function problemsOf(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, prefix: string): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    for (const line of linesOf(issue, schema, [])) if (!lines.includes(line)) lines.push(line);
  }
  return lines.map(line => `${prefix}${line}`.replace(/^\./, ''));
}

function linesOf(issue: z.core.$ZodIssue, root: z.ZodType, base: PropertyKey[]): string[] {
  const path = [...base, ...issue.path];
  const at = pathText(path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map(key => unknownKey(`${at}${pathText([key])}`, key, keysAt(root, path)));
    case 'invalid_union':
      return unionLines(issue, root, path);
    case 'invalid_type':
      return [`${at}: ${show(issue.input)} is not ${TYPE_NAMES[issue.expected] ?? issue.expected}. Fix: ${typeFix(issue.expected, keysAt(root, path))}`];
    case 'invalid_value':
      return [`${at}: ${show(issue.input)} is not allowed. Fix: use one of ${issue.values.map(v => show(v)).join(', ')}`];
    case 'custom': {
      const { fix, suffix } = (issue.params ?? {}) as { fix?: string; suffix?: string };
      return [`${at}${suffix ?? ''}: ${issue.message}. Fix: ${fix ?? 'see the setting\'s documentation'}`];
    }
    default:
      return [`${at}: ${show(issue.input)} ${issue.message}. Fix: see the setting's documentation`];
  }
}

/** A union's problem: those of the one option whose type the value has, else what the options are. */
function unionLines(issue: z.core.$ZodIssueInvalidUnion, root: z.ZodType, path: PropertyKey[]): string[] {
  const typed = issue.errors.filter(errors => !errors.some(e => e.code === 'invalid_type' && e.path.length === 0));
  if (typed.length === 1) return typed[0].flatMap(e => linesOf(e, root, path));
  const expected = issue.errors.flatMap(errors => errors.filter(e => e.code === 'invalid_type' && e.path.length === 0))
    .map(e => TYPE_NAMES[(e as z.core.$ZodIssueInvalidType).expected] ?? (e as z.core.$ZodIssueInvalidType).expected);
  const names = [...new Set(expected)];
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0];
  return [`${pathText(path)}: ${show(issue.input)} is not ${list}. Fix: write ${list}`];
}

/** How to write a value of the expected JSON type; for an object, which keys it may have. */
function typeFix(expected: string, keys: readonly string[]): string {
  if (expected === 'object' && keys.length > 0) return `write an object with some of: ${keys.join(', ')}`;
  if (expected === 'string') return 'write a string, in quotes';
  return `write ${TYPE_NAMES[expected] ?? expected}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', number: 'a number', boolean: 'true or false', object: 'an object', array: 'a list', record: 'an object',
};

/** `.a.b[0].c` */
function pathText(path: readonly PropertyKey[]): string {
  return path.map(p => typeof p === 'number' ? `[${p}]` : `.${String(p)}`).join('');
}

/** The message of an unknown key, with the closest known one when it looks like a typo. */
function unknownKey(at: string, key: string, known: readonly string[]): string {
  const near = closest(key, known);
  const hint = near ? `did you mean \`${near}\`? Else remove it` : 'remove it';
  return `${at}: is not a setting. Fix: ${hint} (the settings here: ${known.join(', ')})`;
}

/**
 * The known key nearest to `key`, if one looks meant: the same but for case, at most 2 edits away
 * (1 for short keys), or starting with it (`fooBar` for `fooBarSeconds`).
 */
export function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const distance = (k: string) => k.toLowerCase() === lower ? 0
    : editDistance(lower, k.toLowerCase()) <= Math.min(2, Math.floor(key.length / 3)) ? 1
      : key.length >= 4 && k.toLowerCase().startsWith(lower) ? 2 : Infinity;
  const best = known.map(k => ({ k, d: distance(k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d < Infinity ? best.k : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/** The keys of the object schema found at `path` under `schema` (through optionals, lists, maps, unions). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const objects = schemasAt(schema, path).filter(s => defOf(s).type === 'object');
  return objects.flatMap(s => Object.keys(defOf(s).shape as object));
}

function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  const def = defOf(schema);
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  if (inner) return schemasAt(inner as z.ZodType, path);
  if (def.type === 'union') return (def.options as z.ZodType[]).flatMap(o => schemasAt(o, path));
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  const next = def.type === 'object' ? (def.shape as Record<string, z.ZodType>)[String(head)]
    : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
  return next ? schemasAt(next as z.ZodType, rest) : [];
}

// zod's definition of a schema: its kind and parts, as toJSONSchema reads them.
function defOf(schema: z.ZodType): Record<string, any> {
  return (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
}
