import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

/**
 * The narrow file-system surface the storage engine uses. Everything durable goes through it,
 * so a fault injector (see test/support/power-loss-fs.ts) can sit beneath the real engine.
 */
export interface StorageFile {
  /**
   * True when every completed write is already on stable storage (opened with O_DSYNC): a
   * write then costs one system call instead of write + fdatasync.
   */
  readonly syncOnWrite: boolean;
  /** Writes the whole buffer at `position`. */
  write(buf: Buffer, position: number): Promise<void>;
  /** Reads up to `length` bytes at `position` into `buf` at `offset`; returns bytes read. */
  read(buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync: data and the size are on stable storage when this resolves. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** How a file is opened: create (new, must not exist), readwrite (existing), read. */
export type OpenMode = 'create' | 'readwrite' | 'read';

/** The only file access of the engine, so tests can inject faults beneath it. */
export interface StorageFs {
  mkdirp(dir: string): Promise<void>;
  list(dir: string): Promise<string[]>;
  /** create: new file, fails if it exists; readwrite: existing file; read: read only. */
  open(path: string, mode: OpenMode): Promise<StorageFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Makes creations, renames and unlinks in `dir` durable (fsync of the directory). */
  syncDir(dir: string): Promise<void>;
}

class NodeFile implements StorageFile {
  constructor(
    private readonly fh: fsp.FileHandle,
    readonly syncOnWrite: boolean,
  ) {}

  async write(buf: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, position + done);
      if (bytesWritten <= 0) throw new Error('short write');
      done += bytesWritten;
    }
  }

  async read(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, offset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  datasync(): Promise<void> {
    return this.fh.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.fh.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

const C = fs.constants;
/** Writable files are opened with O_DSYNC: each write returns once its data is durable. */
const MODE_FLAGS: Record<OpenMode, number> = {
  create: C.O_RDWR | C.O_CREAT | C.O_EXCL | C.O_DSYNC,
  readwrite: C.O_RDWR | C.O_DSYNC,
  read: C.O_RDONLY,
};

/** The real file system (node:fs), used in production. */
export const nodeFs: StorageFs = {
  async mkdirp(dir) {
    await fsp.mkdir(dir, { recursive: true, mode: 0o750 });
  },
  list(dir) {
    return fsp.readdir(dir);
  },
  async open(path, mode) {
    return new NodeFile(await fsp.open(path, MODE_FLAGS[mode], 0o640), mode !== 'read');
  },
  rename(from, to) {
    return fsp.rename(from, to);
  },
  unlink(path) {
    return fsp.unlink(path);
  },
  async syncDir(dir) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(dir, 'r');
      await new Promise<void>((resolve, reject) => fs.fsync(fd!, (e) => (e ? reject(e) : resolve())));
    } catch (err) {
      // Some file systems refuse fsync on a directory; their metadata is then synchronous anyway.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'ENOTSUP') throw err;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
};
