import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer, LeaseAccess, grantLeaseAccess, leasePath, startApiServer } from './support/kube-apiserver';

/**
 * The failover tests' harness against a real etcd + kube-apiserver: a ServiceAccount granted
 * the datastore's Lease rights can do exactly that and nothing more. Run by `npm run
 * test:failover`, which builds the binaries and exports MEHDB_K8S_BIN.
 */
const binDir = process.env.MEHDB_K8S_BIN;
const skip = binDir ? false
  : 'MEHDB_K8S_BIN is unset: run `npm run test:failover`, or export MEHDB_K8S_BIN=$(bash cluster/k8s-bin.sh)';

const NS = 'mehdb-harness';
const LEASE = 'mehdb-leader';

describe('kube-apiserver harness', { skip }, () => {
  let api: ApiServer;
  let access: LeaseAccess;
  let stopped = false;
  const asSa = (method: string, apiPath: string, body?: unknown) => api.requestAs(access.token, method, apiPath, body);
  const lease = (name: string, holder: string, resourceVersion?: string) => ({
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name, namespace: NS, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: { holderIdentity: holder, leaseDurationSeconds: 5 },
  });

  before(async () => {
    api = await startApiServer({ binDir: binDir as string, dir: fs.mkdtempSync(path.join(os.tmpdir(), 'mehdb-kube-')), namespace: NS });
    console.log(`kube-apiserver ready in ${api.startupMs} ms at ${api.url}`);
    const t = Date.now();
    access = await grantLeaseAccess(api, { namespace: NS, serviceAccount: 'mehdb', leaseName: LEASE });
    console.log(`namespace, ServiceAccount, Role, RoleBinding and token in ${Date.now() - t} ms`);
  });
  after(async () => {
    if (api && !stopped) await api.stop();
  });

  it('serves only authenticated requests (anonymous off)', async () => {
    assert.equal((await api.requestAs('not-a-token', 'GET', '/readyz')).status, 401);
    assert.equal((await api.request('GET', '/readyz')).status, 200);
  });

  it('writes the ServiceAccount token file and the datastore env', () => {
    assert.equal(fs.readFileSync(access.tokenFile, 'utf8'), access.token);
    assert.deepEqual(access.env, {
      MEHDB_KUBE_API: api.url, MEHDB_KUBE_TOKEN_FILE: access.tokenFile, MEHDB_KUBE_CA_FILE: api.caFile,
      MEHDB_NAMESPACE: NS, MEHDB_LEASE_NAME: LEASE,
    });
  });

  it('as the ServiceAccount: create, get, update (200), stale update (409 Conflict)', async () => {
    const created = await asSa('POST', leasePath(NS), lease(LEASE, 'mehdb-0'));
    assert.equal(created.status, 201, created.text);
    const got = await asSa('GET', leasePath(NS, LEASE));
    assert.equal(got.status, 200, got.text);
    const rv = got.body.metadata.resourceVersion as string;
    const updated = await asSa('PUT', leasePath(NS, LEASE), lease(LEASE, 'mehdb-1', rv));
    assert.equal(updated.status, 200, updated.text);
    assert.notEqual(updated.body.metadata.resourceVersion, rv);
    const stale = await asSa('PUT', leasePath(NS, LEASE), lease(LEASE, 'mehdb-2', rv));
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.body.reason, 'Conflict');
    assert.equal((await api.readLease(LEASE))?.spec.holderIdentity, 'mehdb-1');
  });

  it('as the ServiceAccount: another Lease (get, update), listing leases, secrets -> 403', async () => {
    assert.equal((await api.request('POST', leasePath(NS), lease('other', 'x'))).status, 201);
    const other = await api.readLease('other');
    assert.ok(other);
    const denied = [
      await asSa('PUT', leasePath(NS, 'other'), lease('other', 'mehdb-0', other.metadata.resourceVersion)),
      await asSa('GET', leasePath(NS, 'other')),
      await asSa('GET', leasePath(NS)),
      await asSa('DELETE', leasePath(NS, LEASE)),
      await asSa('GET', `/api/v1/namespaces/${NS}/secrets`),
      await asSa('GET', leasePath('default', LEASE)),
    ];
    assert.deepEqual(denied.map((r) => r.status), [403, 403, 403, 403, 403, 403], denied.map((r) => r.text).join('\n'));
    assert.equal((await api.readLease('other'))?.spec.holderIdentity, 'x');
  });

  it('readLease / deleteLease (admin)', async () => {
    assert.equal(await api.deleteLease(LEASE), true);
    assert.equal(await api.readLease(LEASE), undefined);
    assert.equal(await api.deleteLease(LEASE), false);
  });

  it('stop() leaves no process and no folder', async () => {
    const { etcd, apiserver } = api.pids;
    await api.stop();
    stopped = true;
    for (const pid of [etcd, apiserver]) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} still runs`);
    assert.equal(fs.existsSync(api.dir), false);
  });
});
