import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

/** One scrape endpoint of a {@link ServiceMonitor}: a named port of the selected Services. */
export interface ServiceMonitorEndpoint {
  /** Name of the Service port to scrape (the port must be named on the Service). */
  readonly port: string;
  /** HTTP path of the metrics. @default - Prometheus' '/metrics' */
  readonly path?: string;
  /** How often to scrape, e.g. '30s'. @default - Prometheus' global interval */
  readonly interval?: string;
  /** How long a scrape may take, at most the interval, e.g. '10s'. @default - Prometheus' global timeout */
  readonly scrapeTimeout?: string;
  /** `http` or `https`. @default - 'http' */
  readonly scheme?: 'http' | 'https';
}

/** Props of {@link ServiceMonitor}: the fields of `monitoring.coreos.com/v1` this project writes. */
export interface ServiceMonitorProps {
  /** Name and labels; Prometheus' `serviceMonitorSelector` matches these labels. */
  readonly metadata: ApiObjectMetadata;
  /** Endpoints scraped on every selected Service. */
  readonly endpoints: ServiceMonitorEndpoint[];
  /** Labels of the Services to scrape. */
  readonly selector: { readonly matchLabels: Record<string, string> };
  /** Namespaces whose Services are looked at. @default - the ServiceMonitor's own namespace */
  readonly namespaceSelector?: { readonly matchNames?: string[]; readonly any?: boolean };
  /** Service labels copied onto the scraped series. @default - none */
  readonly targetLabels?: string[];
}

/**
 * A Prometheus Operator ServiceMonitor (`monitoring.coreos.com/v1`), written by hand: the project
 * has no import of the operator's CRDs. Applying it needs the CRD in the cluster.
 */
export class ServiceMonitor extends ApiObject {
  public static readonly GVK = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' } as const;

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    const { metadata, ...spec } = props;
    super(scope, id, { ...ServiceMonitor.GVK, metadata, spec: dropUndefined(spec) });
  }
}

/** The spec without undefined fields (a plain ApiObject writes them as null). */
function dropUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
