/**
 * @module main
 * `npm start`: load config, start the gateway, stop gracefully on SIGTERM/SIGINT.
 * Start-up problems (no ffmpeg, unreachable S3, bad variable) print one line and exit 1.
 */
import { loadConfig, ConfigError } from './config/config.ts';
import { startGateway, StartupError } from './gateway.ts';
import { setLogLevel, logger } from './log.ts';

const log = logger('main');
// started with --no-warnings so Node's default printer is off; print warnings as our own log lines, except the
// AWS SDK's notice that its 2027 releases need Node 22 (the lock file pins a release that supports Node 20)
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) log.warn(`node ${w.name}: ${w.message}`);
});

async function main() {
  const config = loadConfig();
  setLogLevel(config.logLevel);
  const gw = await startGateway(config);
  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) {
      log.warn(`${sig} again: exiting now; segments not yet uploaded stay in the spool for the next start`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${sig}: stopping (no new pushes, finishing segments, draining uploads)`);
    await gw.stop(config.shutdownDrainSec * 1000);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e) => {
  if (e instanceof ConfigError || e instanceof StartupError) {
    console.error(`livechannel-gateway: ${e.message}`);
  } else if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`livechannel-gateway: port in use: ${(e as Error).message} (set HTTP_PORT / RTMP_PORT)`);
  } else {
    console.error(`livechannel-gateway: failed to start: ${(e as Error).stack ?? e}`);
  }
  process.exit(1);
});
