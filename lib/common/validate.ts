import { InvalidPropError, show } from './prop-error';

// Patterns follow the Kubernetes API server's own validation, so what passes here passes there.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
// Kubernetes' resource.Quantity (k8s.io/apimachinery/pkg/api/resource): a signed number (`1`, `1.5`,
// `1.`, `.5`), then a binary suffix (Ki..Ei), a decimal one (n, u, m, k, M, G, T, P, E) or a decimal
// exponent (`e3`, `E-3`, `e+6`), or none.
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._/-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** A DNS-1123 label (Service, StatefulSet, Namespace and container names): at most 63 characters. */
export function checkDnsLabel(prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    throw new InvalidPropError(prop, `${show(value)} is not a DNS-1123 label`,
      'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "mehdb")');
  }
  return value;
}

/** A DNS-1123 subdomain (StorageClass, RBAC object names): at most 253 characters. */
export function checkDnsSubdomain(prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new InvalidPropError(prop, `${show(value)} is not a DNS-1123 subdomain`,
      'use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. "nfs-dynamic")');
  }
  return value;
}

/** A provisioner name as a StorageClass takes it: `[prefix/]name`, e.g. `example.com/nfs`. */
export function checkProvisionerName(prop: string, value: string): string {
  const parts = typeof value === 'string' ? value.split('/') : [];
  const name = parts[parts.length - 1] ?? '';
  const prefix = parts.length === 2 ? parts[0] : undefined;
  const ok = (parts.length === 1 || parts.length === 2) && name.length <= 63 && QUALIFIED_NAME_PART.test(name)
    && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  if (!ok) {
    throw new InvalidPropError(prop, `${show(value)} is not a valid provisioner name`,
      'use "<dns-subdomain>/<name>", e.g. "example.com/nfs"; the same string goes into the provisioner\'s -provisioner= argument and the StorageClass');
  }
  return value;
}

/** An integer within [min, max]. */
export function checkInteger(prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new InvalidPropError(prop, `${show(value)} is not an integer ${range}`, `set an integer ${range}`);
  }
  return value;
}

/** A TCP/UDP port number. */
export function checkPort(prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidPropError(prop, `${show(value)} is not a port number`, 'use an integer from 1 to 65535 (mehdb listens on 9876)');
  }
  return value;
}

/** Whether `value` is a Kubernetes quantity (the API server's grammar), of any sign. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** A positive Kubernetes quantity such as `1Gi`, `512Mi`, `100m`, `1e3` or `.5Gi`. */
export function checkQuantity(prop: string, value: string): string {
  const m = typeof value === 'string' ? QUANTITY.exec(value) : null;
  if (!m || m[1] === '-' || !/[1-9]/.test(m[2])) {
    throw new InvalidPropError(prop, `${show(value)} is not a positive Kubernetes quantity`,
      'write a number with an optional unit suffix, e.g. "1Gi", "512Mi" or "250m"');
  }
  return value;
}

/** One of a fixed set of strings. */
export function checkOneOf<T extends string>(prop: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new InvalidPropError(prop, `${show(value)} is not allowed`, `use one of ${allowed.map(a => `"${a}"`).join(', ')}`);
  }
  return value;
}

/** An absolute path inside a container or on a node. */
export function checkAbsolutePath(prop: string, value: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.split('/').includes('..')) {
    throw new InvalidPropError(prop, `${show(value)} is not an absolute path without ".."`, 'use an absolute path such as "/mehdbdata"');
  }
  return value;
}

/** A pinned container image reference: a tag other than `latest`, or a digest. */
export function checkPinnedImage(prop: string, value: string): string {
  if (typeof value !== 'string' || !IMAGE.test(value)) {
    throw new InvalidPropError(prop, `${show(value)} is not a container image reference`,
      'write "registry/repository:tag" or "registry/repository@sha256:<digest>"');
  }
  const lastPart = value.split('@')[0].split('/').pop()!;
  const tag = lastPart.includes(':') ? lastPart.split(':')[1] : undefined;
  if (!value.includes('@sha256:') && (tag === undefined || tag === 'latest')) {
    throw new InvalidPropError(prop, `${show(value)} is not pinned (no tag, or "latest")`,
      'pin a version tag such as ":v4.0.8" or a digest "@sha256:..." so every node runs the same image');
  }
  return value;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** A non-empty label selector map: qualified keys, valid values. */
export function checkLabels(prop: string, value: Record<string, string>): Record<string, string> {
  const entries = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
  const bad = entries.find(([k, v]) => !QUALIFIED_NAME_PART.test(k.split('/').pop() ?? '') || k.length > 316
    || typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v));
  if (entries.length === 0 || bad) {
    throw new InvalidPropError(prop, `${show(value)} is not a non-empty map of valid labels`,
      'write labels such as { "mehdb-client": "true" }: keys and values of letters, digits, "-", "_" and "."');
  }
  return value;
}

/** An IPv4 CIDR such as `10.0.0.0/8`. */
export function checkCidr(prop: string, value: string): string {
  const m = typeof value === 'string' ? CIDR.exec(value) : null;
  if (!m || m.slice(1, 5).some(octet => Number(octet) > 255) || Number(m[5]) > 32) {
    throw new InvalidPropError(prop, `${show(value)} is not an IPv4 CIDR`, 'write an address and prefix length, e.g. "10.0.0.0/8" or "192.168.1.10/32"');
  }
  return value;
}

/** A non-empty list, each element checked by `check` (its prop is `<prop>[i]`). */
export function checkList<T>(prop: string, value: T[], check: (prop: string, element: T) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidPropError(prop, `${show(value)} is not a non-empty list`, 'give at least one element');
  }
  return value.map((element, i) => check(`${prop}[${i}]`, element));
}

/**
 * An object whose keys are all in `known` (a typo in a nested setting is an error, as at the top
 * level of a config file); returns it unchanged.
 */
export function checkKnownKeys<T extends object>(prop: string, value: T, known: readonly string[]): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidPropError(prop, `${show(value)} is not an object`, `write an object with some of: ${known.join(', ')}`);
  }
  const unknown = Object.keys(value).find(k => !known.includes(k));
  if (unknown !== undefined) {
    throw new InvalidPropError(`${prop}.${unknown}`, 'is not a setting', `remove it or use one of: ${known.join(', ')}`);
  }
  return value;
}
