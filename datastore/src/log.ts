import { LOG_LEVELS, LogLevel } from './config';

/** Extra fields of one log line. */
export type Fields = Record<string, unknown>;

/** Structured JSON logger: one object per line on stdout. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  enabled(level: LogLevel): boolean;
}

/** A logger that writes lines at or above `level` to `out` (stdout by default). */
export function createLogger(level: LogLevel, out: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields?: Fields): void => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    out(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    enabled: (lvl) => LOG_LEVELS.indexOf(lvl) >= min,
  };
}

/** Error text safe to log: never includes absolute paths from fs errors. */
export function errText(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return String((err as { code: string }).code);
  }
  return err instanceof Error ? err.message : String(err);
}
