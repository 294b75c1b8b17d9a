/**
 * Key syntax. Upstream accepts `[a-z]+`; we also accept digits, upper case, `_`, `-` and `.`
 * (not first). Keys never become file names in this engine, so the wider set is safe; it also
 * rules out `.`/`..` segments and anything that needs percent-encoding.
 */
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** True when the key has the accepted syntax (length not checked). */
export function isValidKeySyntax(key: string): boolean {
  return KEY.test(key);
}

/** Outcome of checkKey: usable, malformed (404), or longer than the limit (413). */
export type KeyCheck = 'ok' | 'bad' | 'too-long';

/** Checks a key from a URL: syntax and length. */
export function checkKey(key: string, maxKeyBytes: number): KeyCheck {
  if (key.length === 0) return 'bad';
  if (key.length > maxKeyBytes) return 'too-long'; // ASCII only, so length == bytes
  return KEY.test(key) ? 'ok' : 'bad';
}
