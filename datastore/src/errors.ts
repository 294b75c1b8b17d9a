/**
 * The datastore's own errors. Each has a `name` (shown in stack traces) and a stable `code`
 * (for logs, metrics and tests: match on the code, never on the message). Messages are short
 * and fixed or built from validated values; none carries a file path.
 */

/** Codes of every error the datastore throws on purpose. */
export type MehdbErrorCode =
  | 'CONFIG_INVALID'
  | 'STORE_FAILED'
  | 'STORE_CLOSING'
  | 'STORE_WRITE_FAILED'
  | 'STORE_OUT_OF_ORDER'
  | 'STORE_BAD_RECORD'
  | 'STORE_BAD_STORE_ID'
  | 'STORE_SHORT_READ'
  | 'STORE_SEGMENT_GONE'
  | 'WIRE_INVALID'
  | 'REPLICATION_STOPPED'
  | 'REPLICATION_TIMEOUT';

/** Base class: an Error with a `name` and a stable `code`. */
export abstract class MehdbError extends Error {
  /** Stable identifier of the kind of failure. */
  readonly code: MehdbErrorCode;

  constructor(code: MehdbErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A configuration variable is missing, malformed or out of range; the process exits with code 2. */
export class ConfigError extends MehdbError {
  /** Class name, for stack traces and logs. */
  override readonly name = 'ConfigError';

  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

/**
 * The store refuses a write: it has failed (a write error it could not recover from), it is
 * closing, a commit failed, or replicated input is out of order or malformed. Answered with 503.
 */
export class StoreUnavailableError extends MehdbError {
  /** Class name, for stack traces and logs. */
  override readonly name = 'StoreUnavailableError';

  constructor(code: 'STORE_FAILED' | 'STORE_CLOSING' | 'STORE_WRITE_FAILED' | 'STORE_OUT_OF_ORDER' | 'STORE_BAD_RECORD' | 'STORE_BAD_STORE_ID', message: string) {
    super(code, message);
  }
}

/** The store's own files did not hold what the index says (short read, segment already gone). */
export class StorageError extends MehdbError {
  /** Class name, for stack traces and logs. */
  override readonly name = 'StorageError';

  constructor(code: 'STORE_SHORT_READ' | 'STORE_SEGMENT_GONE' | 'STORE_BAD_RECORD', message: string) {
    super(code, message);
  }
}

/** A leader's response failed validation (status, headers, framing, checksums, order, keys). */
export class WireError extends MehdbError {
  /** Class name, for stack traces and logs. */
  override readonly name = 'WireError';

  constructor(message: string) {
    super('WIRE_INVALID', message);
  }
}

/** A replication request was abandoned: the follower is stopping, or the leader did not answer in time. */
export class ReplicationError extends MehdbError {
  /** Class name, for stack traces and logs. */
  override readonly name = 'ReplicationError';

  constructor(code: 'REPLICATION_STOPPED' | 'REPLICATION_TIMEOUT', message: string) {
    super(code, message);
  }
}
