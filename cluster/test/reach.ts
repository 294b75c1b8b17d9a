/**
 * Who reaches what, tried from inside pods (`node -e` through `kubectl exec`) or from this host:
 * the probe of the fault and NetworkPolicy tests. A dropped packet is `timeout`, as in the
 * upstream NetworkPolicy conformance tests, which call it "refused".
 */
import { core, kubectl, nodeInPod, run } from './harness';
import { readyPod } from './mehdb-api';

/**
 * Tries each target at once with a 2 s limit and prints one result each: `connected`,
 * `http <status>`, `resolved <addresses>`, `timeout` (nothing came back) or an error code.
 */
const REACH = `
const net = require('net'), http = require('http'), dns = require('dns');
const ms = 2000;
const tcp = (t) => new Promise((done) => {
  const s = net.connect({ host: t.host, port: t.port, timeout: ms });
  s.on('connect', () => { s.destroy(); done('connected'); });
  s.on('timeout', () => { s.destroy(); done('timeout'); });
  s.on('error', (e) => done(e.code || String(e)));
});
const web = (t) => new Promise((done) => {
  const r = http.get({ host: t.host, port: t.port, path: t.path, timeout: ms }, (m) => { m.resume(); done('http ' + m.statusCode); });
  r.on('timeout', () => { r.destroy(); done('timeout'); });
  r.on('error', (e) => done(e.code || String(e)));
});
const name = (t) => {
  const r = new dns.promises.Resolver({ timeout: ms, tries: 1 });
  r.setServers([t.host]);
  return r.resolve4(t.name).then((a) => 'resolved ' + a.join(','), (e) => e.code === 'ETIMEOUT' ? 'timeout' : e.code);
};
const kinds = { tcp, web, name };
Promise.all(JSON.parse(process.argv[1]).map((t) => kinds[t.kind](t))).then((r) => console.log(JSON.stringify(r)));
`;

export interface Target { kind: 'tcp' | 'web' | 'name'; host: string; port?: number; path?: string; name?: string }
/** A TCP connection to `address:port`. */
export const tcp = (addr: string): Target => ({ kind: 'tcp', host: addr.split(':')[0], port: Number(addr.split(':')[1]) });
/** An HTTP GET of `path` on `host:port`. */
export const web = (host: string, port: number, path: string): Target => ({ kind: 'web', host, port, path });
/** A DNS A query for `name` sent to `server`. */
export const dnsName = (server: string, name: string): Target => ({ kind: 'name', host: server, name });

/** A pod to probe from: its namespace and name. */
export interface From { namespace: string; pod: string }

/** What each target gave, tried from a pod or, without one, from this host. */
export async function reach(from: From | undefined, targets: Target[]): Promise<string[]> {
  const out = from ? await nodeInPod(from.namespace, from.pod, REACH, JSON.stringify(targets))
    : await run(process.execPath, ['-e', REACH, JSON.stringify(targets)]);
  return JSON.parse(out) as string[];
}

/** An idle pod of the datastore's image (it has node), to probe from. */
export interface ClientPod extends From { image: string; node?: string; labels?: Record<string, string> }

/** Starts (or starts again) an idle client pod, hardened as the datastore's, and waits until it is Ready. */
export async function startClientPod(client: ClientPod): Promise<void> {
  await kubectl('delete', 'pod', '-n', client.namespace, client.pod, '--ignore-not-found', '--wait=true');
  await core.createNamespacedPod({ namespace: client.namespace, body: {
    metadata: { name: client.pod, labels: client.labels ?? {} },
    spec: {
      nodeName: client.node, automountServiceAccountToken: false, terminationGracePeriodSeconds: 0,
      containers: [{
        name: 'probe', image: client.image, imagePullPolicy: 'IfNotPresent', command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
        securityContext: {
          runAsUser: 65532, runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
        },
      }],
    },
  } });
  await readyPod(client.namespace, client.pod, 120_000);
}
