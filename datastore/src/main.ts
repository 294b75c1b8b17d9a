import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger, errText } from './log';
import { nodeFs } from './store/file-system';

/** Process entry: read config once, open the store, serve, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'invalid configuration', error: err.message }) + '\n');
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  // A stray rejection is a bug to log, not a reason to drop every client.
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: errText(err) }));
  let app;
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
    host: config.host,
    role: config.failover ? 'elected (lease)' : config.role,
    bind: config.bind,
    port: config.port,
    leader: config.failover ? config.failover.leaseName : config.leaderUrl,
    keys: app.store.keyCount,
  });
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

void main();
