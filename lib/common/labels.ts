/** The label that selects an app's pods, as the course's manifests write it: `app: <name>`. */
export function selectorLabels(name: string): Record<string, string> {
  return { app: name };
}

/** Recommended labels (app.kubernetes.io/*) plus the selector label, for metadata. */
export function appLabels(name: string, component: string): Record<string, string> {
  return {
    ...selectorLabels(name),
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
  };
}
