/**
 * Linearizability under faults of the leader, checked by porcupine: three real mehdb processes
 * electing through a real kube-apiserver, concurrent clients doing PUT, DELETE and
 * GET ?consistent, while the leader is SIGKILLed (and restarted) or SIGSTOPped for longer than
 * its lease (then SIGCONT). Run by `npm run test:failover` (MEHDB_K8S_BIN). The partition and
 * the power cut of a node are proven on real nodes by `npm run test:cluster`.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MehdbProcess, closeClients, sleep, tmpDir } from './support/cluster';
import { FailoverGroup, LeaseBackend, apiServerBackend } from './support/failover-group';
import { ApiServer, startApiServer } from './support/kube-apiserver';
import { ActiveFault, ensureChecker, faultTrial, medianAndWorst } from './support/linearizability';

const BIN = process.env.MEHDB_K8S_BIN;
const FAULTS = Number(process.env.MEHDB_TRIAL_FAULTS ?? 5);

describe('linearizable under leader faults (porcupine)', { skip: BIN ? false : 'MEHDB_K8S_BIN is unset: run npm run test:failover' }, () => {
  let api: ApiServer;
  let backend: LeaseBackend;
  before(async () => {
    await ensureChecker();
    api = await startApiServer({ binDir: BIN!, dir: tmpDir('mehdb-apiserver-') });
    backend = apiServerBackend(api);
  });
  after(async () => {
    await api?.stop();
    closeClients();
  });

  const faults: Array<[string, (leader: MehdbProcess) => Promise<ActiveFault>]> = [
    ['SIGKILL of the leader (restarted 2 s later)', async (leader) => {
      await leader.kill9();
      return { heal: async () => void (await leader.start()) };
    }],
    ['SIGSTOP of the leader for longer than its lease, then SIGCONT', async (leader) => {
      leader.proc.kill('SIGSTOP');
      return { heal: async () => void leader.proc.kill('SIGCONT') };
    }],
  ];

  for (const [name, inject] of faults) {
    it(`${name}: Ok, no acknowledged write lost`, async () => {
      const g = await FailoverGroup.start(backend, 3);
      try {
        await g.leader();
        const alive = (): string[] => g.nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null).map((n) => n.url);
        const r = await faultTrial({
          endpoints: alive,
          warmupMs: 1500,
          faults: FAULTS,
          inject: async () => inject(await g.leader()),
          faultMs: 2500,
          settleMs: 2500,
          htmlFile: path.join(tmpDir('mehdb-porcupine-'), 'history.html'),
        });
        const { median, worst } = medianAndWorst(r.recoveryMs);
        console.log(`FIGURE local ${name}: ${r.check.line}; acknowledged writes ${r.acknowledgedWrites}, lost ${r.lostAcknowledged}, unknown ${r.unknown}; ` +
          `fault -> first acknowledged write: median ${median} ms, worst ${worst} ms over ${FAULTS} faults (lease 1.5 s)`);
        assert.equal(r.lostAcknowledged, 0);
        assert.equal(r.check.verdict, 'Ok', `${r.check.line}${r.check.htmlFile ? ` (see ${r.check.htmlFile})` : ''}`);
        assert.ok(r.recoveryMs.every((ms) => ms >= 0), 'writes were acknowledged again after every fault');
        await sleep(100);
      } finally {
        await g.stop();
      }
    });
  }
});
