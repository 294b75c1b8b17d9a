import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';

/** `http` or `https`. */
export enum ServiceMonitorScheme {
  HTTP = 'http',
  HTTPS = 'https',
}

/** Which Services a {@link ServiceMonitor} scrapes: those with all of these labels. */
export interface ServiceMonitorSelector {
  /** Labels of the Services to scrape. */
  readonly matchLabels: Record<string, string>;
}

/** Which namespaces a {@link ServiceMonitor} looks in. */
export interface ServiceMonitorNamespaceSelector {
  /** These namespaces. @default - none */
  readonly matchNames?: string[];
  /** Every namespace. @default false */
  readonly any?: boolean;
}

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
  /** `http` or `https`. @default - Prometheus' http */
  readonly scheme?: ServiceMonitorScheme;
}

/** Props of {@link ServiceMonitor}: the fields of `monitoring.coreos.com/v1` this project writes. */
export interface ServiceMonitorProps {
  /** Name and labels; Prometheus' `serviceMonitorSelector` matches these labels. */
  readonly metadata: ApiObjectMetadata;
  /** Endpoints scraped on every selected Service. */
  readonly endpoints: ServiceMonitorEndpoint[];
  /** Labels of the Services to scrape. */
  readonly selector: ServiceMonitorSelector;
  /** Namespaces whose Services are looked at. @default - the ServiceMonitor's own namespace */
  readonly namespaceSelector?: ServiceMonitorNamespaceSelector;
  /** Service labels copied onto the scraped series. @default - none */
  readonly targetLabels?: string[];
}

/**
 * A Prometheus Operator ServiceMonitor (`monitoring.coreos.com/v1`), written by hand: the project
 * has no import of the operator's CRDs. Applying it needs the CRD in the cluster.
 */
export class ServiceMonitor extends ApiObject {
  /** The API group and version of the kind. */
  public static readonly API_VERSION = 'monitoring.coreos.com/v1';
  /** The kind. */
  public static readonly KIND = 'ServiceMonitor';

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    const { metadata, ...spec } = props;
    super(scope, id, { apiVersion: ServiceMonitor.API_VERSION, kind: ServiceMonitor.KIND, metadata, spec: dropUndefined(spec) });
  }
}

/** The spec without undefined fields (a plain ApiObject writes them as null). */
function dropUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
