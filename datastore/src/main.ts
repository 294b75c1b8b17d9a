import { App, createApp } from './app';
import { CommandLine, UsageError, nameFlags, packageVersion, parseCommandLine } from './cli';
import { helpText } from './cli-help';
import { Config, ConfigError, loadProcessConfig } from './config';
import { Logger, createLogger, errText } from './log';
import { nodeFs } from './store/file-system';

/**
 * Process entry: read the command line and the configuration once, open the store, serve, stop
 * cleanly on SIGTERM/SIGINT. Exit codes: 0 (help, version, clean stop), 2 (bad argument or
 * setting), 1 (cannot open the data directory or listen).
 */
async function main(argv: readonly string[]): Promise<void> {
  const request = commandLine(argv);
  if (!request) return;
  if (request.action === 'help') return void process.stdout.write(helpText(packageVersion()));
  if (request.action === 'version') return void process.stdout.write(`mehdb ${packageVersion()}\n`);
  const config = configuration(request.flags);
  if (!config) return;
  const log = createLogger(config.logLevel);
  // A stray rejection is a bug to log, not a reason to drop every client.
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: errText(err) }));
  const app = await start(config, log);
  if (app) stopOnSignals(app, log);
}

/** The parsed command line, or undefined after a usage error (exit code 2). */
function commandLine(argv: readonly string[]): CommandLine | undefined {
  try {
    return parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`mehdb: ${err.message}\nTry 'mehdb --help' for the options.\n`);
    process.exitCode = 2;
    return undefined;
  }
}

/** The validated configuration, or undefined after a configuration error (exit code 2). */
function configuration(flags: Readonly<Record<string, string>>): Config | undefined {
  try {
    return loadProcessConfig(flags);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const line = { time: new Date().toISOString(), level: 'error', msg: 'invalid configuration', error: nameFlags(err.message, flags) };
    process.stderr.write(JSON.stringify(line) + '\n');
    process.exitCode = 2;
    return undefined;
  }
}

/** Opens the store and listens; undefined after a failure (exit code 1). */
async function start(config: Config, log: Logger): Promise<App | undefined> {
  let app: App;
  try {
    app = await createApp(config, nodeFs, log);
  } catch (err) {
    log.error('cannot start: opening the data directory failed', { error: errText(err), dataDir: config.dataDir });
    process.exit(1);
  }
  try {
    await app.listen();
  } catch (err) {
    log.error('cannot listen', { error: errText(err), bind: config.bind, port: config.port });
    process.exit(1);
  }
  log.info('mehdb started', {
    version: packageVersion(),
    host: config.host,
    role: config.failover ? 'elected (lease)' : config.role,
    bind: config.bind,
    port: config.port,
    dataDir: config.dataDir,
    leader: config.failover ? config.failover.leaseName : config.leaderUrl,
    keys: app.store.keyCount,
  });
  return app;
}

/** SIGTERM/SIGINT: graceful shutdown, then exit 0 (1 if the shutdown fails). */
function stopOnSignals(app: App, log: Logger): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    app.shutdown().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err) => {
        log.error('shutdown failed', { error: errText(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main(process.argv.slice(2));
