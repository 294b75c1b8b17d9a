/** Where the latest record of a key lives. */
export interface IndexEntry {
  readonly seq: number;
  readonly seg: number;
  /** Offset of the record in its segment. */
  readonly off: number;
  /** Encoded record length. */
  readonly len: number;
  readonly keyLen: number;
  readonly deleted: boolean;
}
