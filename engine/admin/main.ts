import { loadConfig } from '../config';
import { createDb } from '../db';
import { createLogger } from '../logger';
import { prepareDatabase } from '../migrate';
import { createApiKey, createTenant } from '../tenants/api-keys';

const USAGE = `Usage: npm run --silent admin -- <command>

  create-tenant NAME [CALLBACK_URL]   prints the new tenant's id
  create-key TENANT_ID                prints a new API key (shown once; only its hash is stored)
  revoke-key KEY_PREFIX               revokes the key(s) whose first 12 characters match
  webhook-secret TENANT_ID            prints the secret that signs the tenant's webhooks
  migrate                             applies pending migrations`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Administration against DATABASE_URL (or the local default). Results alone on stdout; logs on stderr. */
async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const logger = createLogger('admin', 'warn', 2);
  const [command, ...args] = argv;
  if (command === undefined || command === '--help') {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  await prepareDatabase(config.databaseUrl, logger, 'nfe-ingest-admin');
  const db = createDb({
    databaseUrl: config.databaseUrl,
    applicationName: 'nfe-ingest-admin',
    poolSize: 2,
    logger,
  });
  try {
    switch (command) {
      case 'migrate':
        return 0;
      case 'create-tenant': {
        const name = args[0]?.trim();
        if (!name) throw new UsageError('create-tenant needs a NAME');
        process.stdout.write(`${await createTenant(db, name, args[1] ?? null)}\n`);
        return 0;
      }
      case 'create-key': {
        const tenant = args[0] ?? '';
        if (!UUID.test(tenant))
          throw new UsageError('create-key needs a TENANT_ID (a uuid printed by create-tenant)');
        const exists = await db.queryText('select 1 from tenants where id = $1', [tenant]);
        if (exists.rows.length === 0) throw new UsageError(`no tenant ${tenant}`);
        process.stdout.write(`${await createApiKey(db, tenant)}\n`);
        return 0;
      }
      case 'webhook-secret': {
        const row = UUID.test(args[0] ?? '')
          ? (await db.query<{ webhook_secret: string }>('select-webhook-secret', [args[0]])).rows[0]
          : undefined;
        if (row === undefined)
          throw new UsageError('webhook-secret needs the TENANT_ID of an existing tenant');
        process.stdout.write(`${row.webhook_secret}\n`);
        return 0;
      }
      case 'revoke-key': {
        const revoked = await db.query('revoke-api-key', [args[0] ?? '']);
        process.stdout.write(`${revoked.rowCount ?? 0}\n`);
        return revoked.rowCount ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await db.close();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    process.stderr.write(`admin: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  });
