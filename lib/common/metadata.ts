import { InvalidPropError, show } from './prop-error';

// The API server's own rules: a key is `[prefix/]name`, prefix a DNS subdomain, name a qualified name.
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// A C identifier is what every shell and the datastore read; Kubernetes also allows "-" and ".".
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Whether `key` is a valid label or annotation key: `[prefix/]name`. */
export function isQualifiedKey(key: string): boolean {
  const parts = key.split('/');
  const name = parts[parts.length - 1];
  const prefix = parts.length === 2 ? parts[0] : undefined;
  return (parts.length === 1 || parts.length === 2) && name.length <= 63 && NAME_PART.test(name)
    && (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix)));
}

function entriesOf(prop: string, value: unknown, example: string): Array<[string, unknown]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidPropError(prop, `${show(value)} is not a map`, `write an object such as ${example}`);
  }
  return Object.entries(value);
}

/**
 * A map of extra labels (may be empty): valid keys and values, none of the keys in `owned`, which
 * the construct sets itself (`why` says what depends on them).
 */
export function checkExtraLabels(prop: string, value: Record<string, string>, owned: readonly string[] = [], why = ''): Record<string, string> {
  for (const [key, v] of entriesOf(prop, value, '{ "team": "storage" }')) {
    if (!isQualifiedKey(key)) {
      throw new InvalidPropError(`${prop}.${key}`, 'is not a valid label key', 'write "[dns-prefix/]name", name of at most 63 letters, digits, "-", "_" and "."');
    }
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      throw new InvalidPropError(`${prop}.${key}`, `${show(v)} is not a valid label value`, 'write a string of at most 63 letters, digits, "-", "_" and "." (quote numbers and booleans)');
    }
    if (owned.includes(key)) {
      throw new InvalidPropError(`${prop}.${key}`, `the construct sets this label itself${why ? `: ${why}` : ''}`, `remove it; the construct's labels are ${owned.join(', ')}`);
    }
  }
  return value;
}

/** A map of extra annotations (may be empty): valid keys, string values, none of the keys in `owned`. */
export function checkAnnotations(prop: string, value: Record<string, string>, owned: readonly string[] = []): Record<string, string> {
  for (const [key, v] of entriesOf(prop, value, '{ "example.com/owner": "team-db" }')) {
    if (!isQualifiedKey(key)) {
      throw new InvalidPropError(`${prop}.${key}`, 'is not a valid annotation key', 'write "[dns-prefix/]name", name of at most 63 letters, digits, "-", "_" and "."');
    }
    if (typeof v !== 'string') {
      throw new InvalidPropError(`${prop}.${key}`, `${show(v)} is not a string`, 'quote the value: annotation values are strings');
    }
    if (owned.includes(key)) {
      throw new InvalidPropError(`${prop}.${key}`, 'the construct writes this annotation itself', `remove it (the construct's own: ${owned.join(', ')})`);
    }
  }
  return value;
}

/**
 * Extra environment variables (name to value, may be empty): valid names, string values, and none
 * of the names in `owned`, which maps each variable the construct sets to the setting that drives it.
 */
export function checkExtraEnv(prop: string, value: Record<string, string>, owned: Readonly<Record<string, string>>): Record<string, string> {
  for (const [name, v] of entriesOf(prop, value, '{ "MEHDB_CACHE_BYTES": "134217728" }')) {
    if (!ENV_NAME.test(name)) {
      throw new InvalidPropError(`${prop}.${name}`, 'is not a valid environment variable name', 'use letters, digits, "_", "-" and ".", not starting with a digit (e.g. "MEHDB_CACHE_BYTES")');
    }
    if (Object.prototype.hasOwnProperty.call(owned, name)) {
      throw new InvalidPropError(`${prop}.${name}`, 'the construct sets this variable itself', `remove it and set ${owned[name]} instead`);
    }
    if (typeof v !== 'string') {
      throw new InvalidPropError(`${prop}.${name}`, `${show(v)} is not a string`, `quote the value, e.g. "${String(v)}"`);
    }
  }
  return value;
}
