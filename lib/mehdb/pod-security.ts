import { k8s } from '../../imports';

/** Pod-level hardening: a fixed non-root UID/GID, volume group ownership, RuntimeDefault seccomp. */
export function hardenedPodSecurity(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level hardening: read-only root FS, no privilege escalation, every capability dropped. */
export function hardenedContainerSecurity(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}
