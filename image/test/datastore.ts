// Datastore containers of the built image, run as the StatefulSet runs them: user 65532:65532,
// read-only root file system, no capabilities, no new privileges, the data on a named volume at
// /mehdbdata, bound to 127.0.0.1 on a port of its own (the state's containers.conf uses the host
// network). A Containers set removes what it started.
import { http, podman, run, tail, waitFor, freePort } from './harness';

let seq = 0;

export class Datastore {
  constructor(
    readonly name: string,
    readonly port: number,
    readonly volume: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The end of the container's log, for failure messages. */
  logs(): string {
    const r = run('podman', ['logs', this.name], { env: this.env, timeoutSeconds: 30 });
    return tail(r.stdout + r.stderr).replace(/^/gm, '    ');
  }

  async status(): Promise<string> {
    return (await http(this.port, '/status')).body.trim();
  }

  async get(key: string): Promise<string | undefined> {
    const a = await http(this.port, `/get/${key}`);
    return a.status === 200 ? a.body : undefined;
  }

  /** PUT /set/KEY on this node, which must answer 2xx. */
  async put(key: string, value: string): Promise<void> {
    const a = await http(this.port, `/set/${key}`, { method: 'PUT', body: value });
    if (a.status < 200 || a.status > 299) throw new Error(`PUT /set/${key} on ${this.name}: ${a.status} ${a.body}\n${this.logs()}`);
  }

  waitForStatus(role: 'leader' | 'follower'): Promise<void> {
    return this.explained(waitFor(`${this.name}'s /status to answer ${role}`, async () => (await this.status()) === role));
  }

  waitForValue(key: string, value: string): Promise<void> {
    return this.explained(waitFor(`${this.name} to serve ${key}`, async () => (await this.get(key)) === value));
  }

  /** podman restart, 10 s to stop. */
  restart(): void {
    podman('restart', '-t', '10', this.name);
  }

  private async explained(wait: Promise<void>): Promise<void> {
    try {
      await wait;
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlogs of ${this.name}:\n${this.logs()}`);
    }
  }
}

export interface StartOptions {
  /** The StatefulSet ordinal: the node is mehdb-<ordinal>. */
  ordinal: number;
  /** Another node's port and volume, as a new container of the same pod (default: new ones). */
  port?: number;
  volume?: string;
  /** A follower's leader. */
  leader?: Datastore;
}

/** The datastore containers a test or a suite started, removed with their volumes by removeAll. */
export class Containers {
  private readonly names: string[] = [];
  private readonly volumes: string[] = [];

  constructor(private readonly image: string) {}

  async start(opts: StartOptions): Promise<Datastore> {
    const id = `${process.pid}-${++seq}`;
    const name = `mehdb-test-${opts.ordinal}-${id}`;
    const port = opts.port ?? (await freePort());
    let volume = opts.volume;
    if (!volume) {
      volume = `mehdb-test-data-${opts.ordinal}-${id}`;
      podman('volume', 'create', volume);
      this.volumes.push(volume);
    }
    const env = [`MEHDB_HOST=mehdb-${opts.ordinal}`, `MEHDB_PORT=${port}`, 'MEHDB_BIND=127.0.0.1'];
    if (opts.leader) env.push(`MEHDB_LEADER_URL=http://127.0.0.1:${opts.leader.port}`);
    this.names.push(name);
    podman('run', '-d', '--name', name, '--user', '65532:65532', '--read-only', '--read-only-tmpfs=false',
      '--cap-drop=ALL', '--security-opt', 'no-new-privileges', '-v', `${volume}:/mehdbdata`,
      ...env.flatMap((e) => ['-e', e]), this.image);
    return new Datastore(name, port, volume);
  }

  /** Removes a container now (its volume stays until removeAll). */
  remove(node: Datastore): void {
    podman('rm', '-f', '-t', '10', node.name);
  }

  removeAll(): void {
    if (this.names.length) run('podman', ['rm', '-f', '-t', '2', ...this.names.splice(0)]);
    if (this.volumes.length) run('podman', ['volume', 'rm', '-f', ...this.volumes.splice(0)]);
  }
}

/** A Containers set removed after the test (or suite) whose context is given. */
export function containersFor(context: { after(fn: () => void): void }, image: string): Containers {
  const containers = new Containers(image);
  context.after(() => containers.removeAll());
  return containers;
}
