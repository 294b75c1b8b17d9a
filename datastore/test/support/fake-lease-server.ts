import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';

/**
 * A compare-and-swap stand-in for the Lease API (GET, POST, PUT of
 * /apis/coordination.k8s.io/v1/namespaces/<ns>/leases[/<name>]), over HTTPS with a throwaway
 * certificate, for the quick suite and the benchmark. Each write bumps resourceVersion; a PUT
 * carrying another one gets 409, as from the API server. Not a proof of anything about the
 * real API server: test/failover.test.ts runs against kube-apiserver itself.
 */
export interface FakeLeaseServer {
  url: string;
  caFile: string;
  tokenFile: string;
  /** MEHDB_KUBE_API, MEHDB_KUBE_CA_FILE, MEHDB_KUBE_TOKEN_FILE. */
  env: Record<string, string>;
  /** The stored Lease object, if any. */
  lease(name: string): { metadata: { annotations?: Record<string, string> }; spec: { holderIdentity?: string } } | undefined;
  close(): Promise<void>;
}

const LEASES = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([a-z0-9-]+)\/leases(?:\/([a-z0-9.-]+))?$/;

/** Starts the stand-in on 127.0.0.1 with its key and certificate in `dir`. */
export async function startFakeLeaseServer(dir: string): Promise<FakeLeaseServer> {
  const key = path.join(dir, 'fake-api.key');
  const caFile = path.join(dir, 'fake-api.crt');
  const tokenFile = path.join(dir, 'fake-api.token');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', caFile, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  fs.writeFileSync(tokenFile, 'fake-token\n');
  const store = new Map<string, Record<string, any>>();
  let rv = 0;
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(caFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const m = LEASES.exec(req.url ?? '');
      if (!m || req.headers.authorization !== 'Bearer fake-token') return reply(m ? 401 : 404, {});
      const [, ns, name] = m;
      if (req.method === 'GET' && name) return store.has(`${ns}/${name}`) ? reply(200, store.get(`${ns}/${name}`)) : reply(404, {});
      const obj = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const id = `${ns}/${name ?? obj.metadata?.name}`;
      if (req.method === 'POST' && !name) {
        if (store.has(id)) return reply(409, {});
      } else if (req.method === 'PUT' && name) {
        if (!store.has(id)) return reply(404, {});
        if (obj.metadata?.resourceVersion !== store.get(id)!.metadata.resourceVersion) return reply(409, {});
      } else return reply(405, {});
      obj.metadata = { ...obj.metadata, namespace: ns, resourceVersion: String(++rv) };
      store.set(id, obj);
      reply(req.method === 'POST' ? 201 : 200, obj);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    caFile,
    tokenFile,
    env: { MEHDB_KUBE_API: url, MEHDB_KUBE_CA_FILE: caFile, MEHDB_KUBE_TOKEN_FILE: tokenFile },
    lease: (name) => [...store.entries()].find(([id]) => id.endsWith(`/${name}`))?.[1] as ReturnType<FakeLeaseServer['lease']>,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
