import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { freePort } from './cluster';

/**
 * A real etcd + kube-apiserver on 127.0.0.1 for the failover tests (no controllers, no nodes):
 * TLS from a throwaway CA, RBAC authorization, anonymous requests refused, an admin identity
 * from a static token file, ServiceAccount tokens from the TokenRequest API. The binaries come
 * from cluster/k8s-bin.sh (`npm run test:failover` exports them as MEHDB_K8S_BIN).
 */

/** What {@link startApiServer} needs. */
export interface ApiServerOptions {
  /** Folder holding the `etcd` and `kube-apiserver` binaries. */
  binDir: string;
  /** Working folder (created when missing): certificates, tokens, etcd data, logs. stop() removes it. */
  dir: string;
  /** Namespace of readLease/deleteLease when the call names none. Default `default`. */
  namespace?: string;
  /** How long to wait for /readyz. Default 90 s. */
  readyTimeoutMs?: number;
}

/** One answer of the API server: status, raw text and the parsed JSON body (undefined if none). */
export interface KubeReply { status: number; text: string; body: any }

/** The fields of a coordination.k8s.io/v1 Lease the tests look at. */
export interface Lease {
  metadata: { name: string; namespace: string; resourceVersion: string; annotations?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; [field: string]: unknown };
}

/** A running API server. */
export interface ApiServer {
  /** https://127.0.0.1:<port>, and the CA of its certificate (for MEHDB_KUBE_API, MEHDB_KUBE_CA_FILE). */
  url: string;
  caFile: string;
  /** Bearer token of an admin (group system:masters), for the test's own setup calls. */
  adminToken: string;
  dir: string;
  namespace: string;
  pids: { etcd: number; apiserver: number };
  /** Milliseconds from spawning etcd to the first 200 of /readyz. */
  startupMs: number;
  /** One request with the admin token; `body` is sent as JSON. Does not throw on 4xx/5xx. */
  request(method: string, apiPath: string, body?: unknown): Promise<KubeReply>;
  /** The same with another bearer token (a ServiceAccount's). */
  requestAs(token: string, method: string, apiPath: string, body?: unknown): Promise<KubeReply>;
  /** The Lease, or undefined when there is none. */
  readLease(name: string, namespace?: string): Promise<Lease | undefined>;
  /** Deletes the Lease; false when there was none. */
  deleteLease(name: string, namespace?: string): Promise<boolean>;
  /** Stops kube-apiserver and etcd (SIGTERM, SIGKILL after 5 s) and removes `dir`. */
  stop(): Promise<void>;
}

const SETPRIV = '/usr/bin/setpriv';
const NAMES = ['etcd', 'kube-apiserver']; // start order
const live = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of live) { child.kill('SIGKILL'); fs.rmSync(dir, { recursive: true, force: true }); }
});

/** Path of the Lease `name` in `namespace`. */
export const leasePath = (namespace: string, name = ''): string =>
  `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases${name ? `/${name}` : ''}`;

/** Starts etcd and kube-apiserver in `dir` and waits until the API server is ready. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const dir = path.resolve(opts.dir);
  const children: ChildProcess[] = [];
  const stop = () => stopAll(children, dir);
  try {
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    const pki = makePki(dir);
    const adminToken = randomBytes(24).toString('hex');
    const adminLine = `${adminToken},mehdb-test-admin,mehdb-test-admin,"system:masters"\n`;
    fs.writeFileSync(path.join(pki, 'tokens.csv'), adminLine, { mode: 0o600 });
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const started = Date.now();
    children.push(launch(opts.binDir, NAMES[0], dir, [
      '--name=mehdb-test', `--data-dir=${path.join(dir, 'etcd')}`, '--unsafe-no-fsync=true', '--log-level=warn',
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=mehdb-test=http://127.0.0.1:${peerPort}`,
    ]));
    children.push(launch(opts.binDir, NAMES[1], dir, [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`, `--cert-dir=${pki}`,
      `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`, `--client-ca-file=${pki}/ca.crt`,
      `--token-auth-file=${pki}/tokens.csv`, '--anonymous-auth=false', '--authorization-mode=RBAC',
      `--service-account-key-file=${pki}/sa.pub`, `--service-account-signing-key-file=${pki}/sa.key`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--endpoint-reconciler-type=none', // no 'kubernetes' Endpoints: a loopback address is refused there
      '--service-cluster-ip-range=10.96.0.0/16', '--enable-priority-and-fairness=false', '--profiling=false',
    ]));
    const url = `https://127.0.0.1:${apiPort}`;
    const ca = fs.readFileSync(path.join(pki, 'ca.crt'));
    const requestAs = (token: string, method: string, apiPath: string, body?: unknown) =>
      kubeRequest(url, ca, token, method, apiPath, body);
    await waitReady(children, dir, () => requestAs(adminToken, 'GET', '/readyz'), opts.readyTimeoutMs ?? 90_000);
    const api = {
      url, caFile: path.join(pki, 'ca.crt'), adminToken, dir, namespace: opts.namespace ?? 'default',
      startupMs: Date.now() - started, pids: { etcd: children[0].pid ?? 0, apiserver: children[1].pid ?? 0 },
      request: (method: string, apiPath: string, body?: unknown) => requestAs(adminToken, method, apiPath, body),
      requestAs, stop,
    };
    return { ...api, ...leaseHelpers(api.request, api.namespace) };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** readLease and deleteLease over the admin's `request`. */
function leaseHelpers(request: ApiServer['request'], namespace: string): Pick<ApiServer, 'readLease' | 'deleteLease'> {
  return {
    readLease: async (name, ns = namespace) => {
      const r = await request('GET', leasePath(ns, name));
      return r.status === 404 ? undefined : expectStatus(r, [200], `GET lease ${ns}/${name}`).body as Lease;
    },
    deleteLease: async (name, ns = namespace) =>
      expectStatus(await request('DELETE', leasePath(ns, name)), [200, 404], `DELETE lease ${ns}/${name}`).status === 200,
  };
}

/** Throws (with the API server's message) unless `reply.status` is one of `ok`; returns the reply. */
export function expectStatus(reply: KubeReply, ok: number[], what: string): KubeReply {
  if (!ok.includes(reply.status)) throw new Error(`${what}: HTTP ${reply.status}: ${reply.text.slice(0, 500)}`);
  return reply;
}

/** CA, serving certificate for 127.0.0.1 and the service-account signing key, in `<dir>/pki`. */
function makePki(dir: string): string {
  const pki = path.join(dir, 'pki');
  fs.mkdirSync(pki, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', ...ec, '-subj', '/CN=mehdb-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-x509', ...ec, '-subj', '/CN=kube-apiserver', '-CA', 'ca.crt', '-CAkey', 'ca.key',
    '-keyout', 'apiserver.key', '-out', 'apiserver.crt', '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'extendedKeyUsage=serverAuth');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key');
  openssl('pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  return pki;
}

/**
 * Spawns `<binDir>/<name>` logging to `<dir>/<name>.log`, with TMPDIR inside `dir`; through
 * setpriv --pdeathsig when there is one, so that it dies with this process even on SIGKILL.
 */
function launch(binDir: string, name: string, dir: string, args: string[]): ChildProcess {
  const bin = path.join(binDir, name);
  if (!fs.existsSync(bin)) throw new Error(`no ${name} in ${binDir} (MEHDB_K8S_BIN=$(bash cluster/k8s-bin.sh))`);
  const [cmd, argv] = fs.existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, args];
  const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
  const env = { ...process.env, TMPDIR: path.join(dir, 'tmp') };
  const child = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  child.on('error', () => undefined); // a failed spawn leaves no pid: waitReady reports it
  live.set(child, dir);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Polls /readyz until 200; fails early (with the logs' tails) when a process exited. */
async function waitReady(children: ChildProcess[], dir: string, probe: () => Promise<KubeReply>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    const dead = children.findIndex((c) => c.pid === undefined || c.exitCode !== null || c.signalCode !== null);
    const child = children[dead];
    if (child) throw new Error(`${NAMES[dead]} exited (${child.exitCode ?? child.signalCode ?? 'not started'})\n${logTails(dir)}`);
    try {
      const r = await probe();
      if (r.status === 200) return;
      last = `HTTP ${r.status}: ${r.text.slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`kube-apiserver not ready after ${timeoutMs} ms (${last})\n${logTails(dir)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The last lines of both logs, for error messages. */
function logTails(dir: string): string {
  const tail = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : '');
  return NAMES.map((n) => `--- ${n}.log (last lines)\n${tail(path.join(dir, `${n}.log`))}`).join('\n');
}

/** Stops the children in reverse order, then removes `dir`. */
async function stopAll(children: ChildProcess[], dir: string): Promise<void> {
  for (const child of [...children].reverse()) await terminate(child);
  fs.rmSync(dir, { recursive: true, force: true });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** One HTTPS request trusting only `ca`, bearer `token`, JSON in and out; 10 s at most. */
function kubeRequest(url: string, ca: Buffer, token: string, method: string, apiPath: string, body?: unknown): Promise<KubeReply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(apiPath, url), { method, ca, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
        resolve({ status: res.statusCode ?? 0, text, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${apiPath}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Who may do what on which Lease: see {@link grantLeaseAccess}. */
export interface LeaseGrant {
  namespace: string;
  serviceAccount: string;
  leaseName: string;
  /** Lifetime of the ServiceAccount token. Default 3600 s. */
  tokenSeconds?: number;
}

/** A ServiceAccount token allowed exactly what the datastore needs on its Lease. */
export interface LeaseAccess extends LeaseGrant {
  token: string;
  tokenFile: string;
  /** MEHDB_KUBE_API, MEHDB_KUBE_TOKEN_FILE, MEHDB_KUBE_CA_FILE, MEHDB_NAMESPACE, MEHDB_LEASE_NAME. */
  env: Record<string, string>;
}

/** The Role's rules, as the constructs grant them: create (unrestricted), get/update on the one name. */
export const leaseRules = (leaseName: string) => [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [leaseName], verbs: ['get', 'update'] },
];

/**
 * Creates the namespace, the ServiceAccount, a Role with {@link leaseRules} and its RoleBinding
 * (objects that exist already are kept, the Role and RoleBinding replaced), then a token of the
 * ServiceAccount (TokenRequest API) written to a file in the API server's dir. Returns once the
 * token authenticates and RBAC allows the three verbs.
 */
export async function grantLeaseAccess(api: ApiServer, grant: LeaseGrant): Promise<LeaseAccess> {
  const { namespace, serviceAccount, leaseName } = grant;
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
  const [v1, rbacV1, metadata] = ['v1', 'rbac.authorization.k8s.io/v1', { name: `${serviceAccount}-lease`, namespace }];
  await ensure(api, '/api/v1/namespaces', { apiVersion: v1, kind: 'Namespace', metadata: { name: namespace } });
  const saPath = `/api/v1/namespaces/${namespace}/serviceaccounts`;
  await ensure(api, saPath, { apiVersion: v1, kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } });
  await ensure(api, `${rbac}/roles`, { apiVersion: rbacV1, kind: 'Role', metadata, rules: leaseRules(leaseName) }, true);
  await ensure(api, `${rbac}/rolebindings`, {
    apiVersion: rbacV1, kind: 'RoleBinding', metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: metadata.name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  }, true);
  const spec = { expirationSeconds: grant.tokenSeconds ?? 3600 };
  const tokenRequest = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec };
  const reply = await api.request('POST', `${saPath}/${serviceAccount}/token`, tokenRequest);
  const token: string = expectStatus(reply, [201], `token of ${namespace}/${serviceAccount}`).body.status.token;
  const tokenFile = path.join(api.dir, 'tokens', `${namespace}.${serviceAccount}.token`);
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true });
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  await waitAllowed(api, token, namespace, leaseName);
  const env = { MEHDB_KUBE_API: api.url, MEHDB_KUBE_TOKEN_FILE: tokenFile, MEHDB_KUBE_CA_FILE: api.caFile };
  return { ...grant, token, tokenFile, env: { ...env, MEHDB_NAMESPACE: namespace, MEHDB_LEASE_NAME: leaseName } };
}

type KubeObject = { metadata: { name: string; namespace?: string }; [field: string]: unknown };

/** POSTs `obj` to `collection`; when it exists, keeps it or (replace) PUTs `obj` over it. */
async function ensure(api: ApiServer, collection: string, obj: KubeObject, replace = false): Promise<void> {
  const what = `${collection}/${obj.metadata.name}`;
  const created = await api.request('POST', collection, obj);
  if (created.status !== 409) expectStatus(created, [201], `create ${what}`);
  else if (replace) expectStatus(await api.request('PUT', what, obj), [200], `replace ${what}`);
}

/** Waits (10 s at most) until `token` authenticates and may create, get and update the Lease. */
async function waitAllowed(api: ApiServer, token: string, namespace: string, leaseName: string): Promise<void> {
  const reviews = [['create', ''], ['get', leaseName], ['update', leaseName]].map(([verb, name]) => ({
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { namespace, verb, group: 'coordination.k8s.io', resource: 'leases', name } },
  }));
  const review = (body: object) => api.requestAs(token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body);
  for (const deadline = Date.now() + 10_000; ;) {
    const replies = await Promise.all(reviews.map(review));
    if (replies.every((r) => r.status === 201 && r.body?.status?.allowed === true)) return;
    const texts = replies.map((r) => r.text).join(' | ');
    if (Date.now() > deadline) throw new Error(`RBAC on ${namespace}/${leaseName} not in effect after 10 s: ${texts}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
