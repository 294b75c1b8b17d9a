/** Linux capabilities as /proc/<pid>/status shows them and as a container's securityContext asks for them. */
import * as k8s from '@kubernetes/client-node';

/** Capability names by bit number (linux/capability.h). */
const NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

/** What containerd gives a container that asks for no change (its default set, as Docker's). */
const RUNTIME_DEFAULT = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];

/** The sorted names of a hexadecimal capability mask (CapEff, CapBnd, ...). */
export function capabilityNames(mask: string): string[] {
  const bits = BigInt(`0x${mask}`);
  return NAMES.filter((_, bit) => (bits >> BigInt(bit)) & 1n).sort();
}

/** The sorted capabilities a container gets for a securityContext's `capabilities`. */
export function expectedCapabilities(caps: k8s.V1Capabilities | undefined): string[] {
  const drop = new Set(caps?.drop ?? []);
  const base = drop.has('ALL') ? [] : RUNTIME_DEFAULT.filter((c) => !drop.has(c));
  return [...new Set([...base, ...(caps?.add ?? [])])].sort();
}
