import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as path from 'node:path';
import { Config, ConfigError, loadConfig } from '../src/config';

/** loadConfig with a data directory, which every start needs. */
function load(env: Record<string, string>, hostname: string): Config {
  return loadConfig({ MEHDB_DATADIR: '/var/lib/mehdb', ...env }, hostname);
}

describe('configuration from the environment', () => {
  it('defaults: port 9876, bind 0.0.0.0, namespace default, host from the OS', () => {
    const c = load({}, 'mehdb-0');
    assert.equal(c.port, 9876);
    assert.equal(c.bind, '0.0.0.0');
    assert.equal(c.namespace, 'default');
    assert.equal(c.host, 'mehdb-0');
    assert.equal(c.role, 'leader');
    assert.equal(c.leaderUrl, undefined);
  });

  it('the data directory is required and made absolute; no default in the current directory', () => {
    for (const env of [{}, { MEHDB_DATADIR: '' }]) {
      assert.throws(() => loadConfig(env, 'mehdb-0'), (e: unknown) => e instanceof ConfigError && /no data directory: set MEHDB_DATADIR or pass --data-dir DIR/.test(e.message));
    }
    assert.equal(load({}, 'mehdb-0').dataDir, '/var/lib/mehdb');
    assert.equal(load({ MEHDB_DATADIR: 'rel/dir' }, 'mehdb-0').dataDir, path.resolve('rel/dir'));
  });

  it('role comes from the ordinal of any StatefulSet name, not the literal mehdb-0', () => {
    assert.equal(load({ MEHDB_HOST: 'store-0' }, 'x').role, 'leader');
    assert.equal(load({ MEHDB_HOST: 'store-2' }, 'x').role, 'follower');
    assert.equal(load({}, 'laptop').role, 'leader', 'no ordinal: standalone leader');
    assert.equal(load({ MEHDB_HOST: 'mehdb-1.mehdb.default.svc.cluster.local' }, 'x').role, 'follower');
  });

  it('the leader URL is derived from the StatefulSet, headless Service and namespace', () => {
    const c = load({ MEHDB_HOST: 'db-store-3', MEHDB_NAMESPACE: 'prod', MEHDB_SERVICE: 'db-headless', MEHDB_PORT: '7000' }, 'x');
    assert.equal(c.leaderUrl, 'http://db-store-0.db-headless.prod.svc.cluster.local:7000');
    assert.equal(load({ MEHDB_HOST: 'mehdb-1' }, 'x').leaderUrl, 'http://mehdb-0.mehdb.default.svc.cluster.local:9876');
    assert.equal(load({ MEHDB_HOST: 'mehdb-1', MEHDB_LEADER_URL: 'http://127.0.0.1:1234/' }, 'x').leaderUrl, 'http://127.0.0.1:1234');
  });

  it('bad values fail with a message naming the variable', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ MEHDB_PORT: '0' }, /MEHDB_PORT/],
      [{ MEHDB_PORT: '9876x' }, /MEHDB_PORT/],
      [{ MEHDB_NAMESPACE: 'Not_A_Label' }, /MEHDB_NAMESPACE/],
      [{ MEHDB_LOG_LEVEL: 'loud' }, /MEHDB_LOG_LEVEL/],
      [{ MEHDB_HOST: 'mehdb-1', MEHDB_LEADER_URL: 'ftp://x' }, /MEHDB_LEADER_URL/],
      [{ MEHDB_MAX_VALUE_BYTES: '-5' }, /MEHDB_MAX_VALUE_BYTES/],
      [{ MEHDB_COMPACT_RATIO: '2' }, /MEHDB_COMPACT_RATIO/],
      [{ MEHDB_HEADERS_TIMEOUT_MS: '60000' }, /MEHDB_HEADERS_TIMEOUT_MS .* must not exceed MEHDB_REQUEST_TIMEOUT_MS/],
    ];
    for (const [env, msg] of bad) assert.throws(() => load(env, 'mehdb-0'), (e: unknown) => e instanceof ConfigError && msg.test(e.message));
  });

  it('MEHDB_FAILOVER=lease: peers, timings, acks and the API server, each checked', () => {
    const api = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const c = load({ ...api, MEHDB_FAILOVER: 'lease', MEHDB_HOST: 'db-2', MEHDB_REPLICAS: '3', MEHDB_NAMESPACE: 'prod' }, 'x');
    assert.ok(c.failover);
    assert.equal(c.failover.kubeApi.url, 'https://10.96.0.1:443');
    assert.deepEqual([...c.failover.peers.keys()], ['db-0', 'db-1', 'db-2']);
    assert.equal(c.failover.peers.get('db-1'), 'http://db-1.db.prod.svc.cluster.local:9876');
    assert.deepEqual([c.failover.syncAcks, c.failover.leaseDurationMs, c.failover.renewDeadlineMs, c.failover.retryPeriodMs, c.failover.leaseName], [1, 5000, 3000, 1000, 'db-leader']);
    assert.equal(c.failover.voter, true);
    assert.equal(load({ ...api, MEHDB_FAILOVER: 'lease', MEHDB_HOST: 'db-3', MEHDB_REPLICAS: '3' }, 'x').failover?.voter, false, 'scaled past the setting: a read replica');
    assert.equal(load({ MEHDB_HOST: 'db-1' }, 'x').failover, undefined, 'off by default');
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ MEHDB_FAILOVER: 'raft' }, /MEHDB_FAILOVER must be lease or off/],
      [{ MEHDB_FAILOVER: 'lease', MEHDB_HOST: 'laptop' }, /MEHDB_HOST .*<name>-<ordinal>/],
      [{ MEHDB_FAILOVER: 'lease', MEHDB_REPLICAS: '3', MEHDB_SYNC_ACKS: '3' }, /MEHDB_SYNC_ACKS must be between 1 and/],
      [{ MEHDB_FAILOVER: 'lease', MEHDB_REPLICAS: '3', MEHDB_RENEW_DEADLINE_MS: '6000' }, /MEHDB_LEASE_DURATION_MS \(5000\) > MEHDB_RENEW_DEADLINE_MS \(6000\)/],
      [{ MEHDB_FAILOVER: 'lease', MEHDB_SOLO: 'yes' }, /MEHDB_SOLO must be true or false/],
      [{ MEHDB_FAILOVER: 'lease', MEHDB_KUBE_API: 'http://x' }, /MEHDB_KUBE_API must be https/],
      [{ MEHDB_FAILOVER: 'lease', KUBERNETES_SERVICE_HOST: '' }, /needs the API server/],
    ];
    for (const [env, msg] of bad) {
      assert.throws(() => load({ ...api, MEHDB_HOST: 'db-0', ...env }, 'x'), (e: unknown) => e instanceof ConfigError && msg.test(e.message), String(msg));
    }
  });
});
