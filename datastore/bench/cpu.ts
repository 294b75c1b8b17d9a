import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 almost everywhere). */
export const CLOCK_TICKS = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/**
 * User plus system CPU time (in clock ticks) a process has used so far, from /proc/<pid>/stat:
 * utime and stime are fields 14 and 15, counted after the `(comm)` field, which may hold spaces.
 */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return Number(fields[11]) + Number(fields[12]);
}

/** Microseconds of CPU per request for `ticks` clock ticks spent on `requests` requests. */
export function usPerRequest(ticks: number, requests: number): number {
  return requests > 0 ? (ticks * 1e6) / CLOCK_TICKS / requests : NaN;
}
