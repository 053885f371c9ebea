import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './core/db.ts';

/** Starts Taahil: validates configuration, opens and migrates the database, loads demo data once, listens. */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const db = openDatabase(config.TAAHIL_DB);
  if (config.TAAHIL_DEMO === 'on') {
    // loaded only when wanted: a production start does not compile the demo data module
    const { seedDemo } = await import('../db/demo.ts');
    const logins = await seedDemo(db, { tz: config.TAAHIL_TZ });
    if (logins) {
      console.log('\nDemo data loaded. Demo logins (password for all: %s):', logins.password);
      for (const l of logins.users) console.log(`  ${l.username.padEnd(12)} ${l.role}`);
      console.log('');
    }
  }
  const app = await buildApp({ config, db });
  app.addHook('onClose', async () => db.$client.close());

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((err) => {
        app.log.error({ err }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ host: config.HOST, port: config.PORT });
  const shown = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  console.log(`Taahil is serving on http://${shown}:${config.PORT}`);
  // the compiled start (server/start.js) keeps V8's compiled code for the next start from here
  (globalThis as { taahilStarted?: () => void }).taahilStarted?.();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
