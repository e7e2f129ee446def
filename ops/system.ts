import { spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import IORedis from 'ioredis';
import { Logger, prepareDatabase } from '../engine/index';
import { renderNginxConfig } from './nginx-config';
import { Supervisor } from './supervisor';

/**
 * The whole topology on this machine, from one command: PostgreSQL and Redis (started from the
 * installed binaries when local and down), migrations, three API processes, the workers and the
 * scheduler under the supervisor, and Nginx in front.
 */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface SystemOptions {
  readonly httpPort: number;
  readonly apiReplicas: number;
  readonly apiPortBase: number;
  readonly workers: number;
  /**
   * Niceness of the workers (WORKER_NICE, default 10): on a shared machine they take the CPU the
   * APIs and PostgreSQL leave, so uploads and status reads stay fast while a backlog is worked off.
   */
  readonly workerNice: number;
  readonly metricsPortBase: number;
  readonly runtimeDir: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** True when the URLs are this machine's defaults (then a stopped server may be started). */
  readonly localServices: boolean;
  readonly uploadMaxBytes: number;
  readonly shutdownTimeoutMs: number;
  readonly tls: {
    readonly port: number;
    readonly certificate: string;
    readonly key: string;
  } | null;
  /** Environment passed to every process (QUEUE_PREFIX, LOG_LEVEL, limits…). */
  readonly env: NodeJS.ProcessEnv;
}

export class StartError extends Error {
  override readonly name = 'StartError';
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new StartError(`${name}=${JSON.stringify(raw)} must be a non-negative integer`);
  return n;
}

export function systemOptions(env: NodeJS.ProcessEnv = process.env): SystemOptions {
  const tlsCert = env.TLS_CERTIFICATE;
  const tlsKey = env.TLS_CERTIFICATE_KEY;
  return {
    httpPort: int(env, 'HTTP_PORT', 8080),
    apiReplicas: int(env, 'API_REPLICAS', 3),
    apiPortBase: int(env, 'API_PORT_BASE', 8001),
    workers: int(env, 'WORKERS', 2),
    workerNice: Math.min(19, int(env, 'WORKER_NICE', 10)),
    metricsPortBase: int(env, 'METRICS_PORT_BASE', 9101),
    runtimeDir: path.resolve(env.RUNTIME_DIR ?? path.join(REPO_ROOT, '.tmp', 'run')),
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/nfe_ingest',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    localServices: !env.DATABASE_URL && !env.REDIS_URL,
    uploadMaxBytes: int(env, 'UPLOAD_MAX_BYTES', 512 * 1024 * 1024),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 20_000),
    tls:
      tlsCert && tlsKey
        ? { port: int(env, 'HTTPS_PORT', 8443), certificate: tlsCert, key: tlsKey }
        : null,
    env,
  };
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function wait(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline)
      throw new StartError(`${what} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new IORedis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function ensurePostgres(options: SystemOptions, logger: Logger): Promise<void> {
  if (await postgresAnswers(options.databaseUrl)) return;
  if (!options.localServices)
    throw new StartError(
      `cannot reach the PostgreSQL in DATABASE_URL (${new URL(options.databaseUrl).host})`,
    );
  if (!commandExists('pg_ctlcluster') || !existsSync('/etc/postgresql')) {
    throw new StartError(
      'PostgreSQL is not running on 127.0.0.1:5432 and is not installed here: install PostgreSQL 15 (apt-get install postgresql) or set DATABASE_URL',
    );
  }
  const version = readdirSync('/etc/postgresql').sort().pop() as string;
  logger.info({ version }, 'PostgreSQL is down; starting it');
  const run = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
    encoding: 'utf8',
  });
  if (run.status !== 0)
    throw new StartError(`could not start PostgreSQL ${version}: ${run.stderr.trim()}`);
  await wait('PostgreSQL', () => postgresAnswers(options.databaseUrl), 30_000);
}

async function ensureRedis(options: SystemOptions, logger: Logger): Promise<void> {
  if (await redisAnswers(options.redisUrl)) return;
  if (!options.localServices)
    throw new StartError(`cannot reach the Redis in REDIS_URL (${new URL(options.redisUrl).host})`);
  if (!commandExists('redis-server')) {
    throw new StartError(
      'Redis is not running on 127.0.0.1:6379 and is not installed here: install it (apt-get install redis-server) or set REDIS_URL',
    );
  }
  logger.info('Redis is down; starting it');
  const dir = path.join(options.runtimeDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const run = spawnSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      '6379',
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--dir',
      dir,
      '--logfile',
      path.join(dir, 'redis.log'),
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new StartError(`could not start Redis: ${run.stderr.trim()}`);
  await wait('Redis', () => redisAnswers(options.redisUrl), 15_000);
}

function ensureNginx(logger: Logger): void {
  if (commandExists('nginx')) return;
  if (process.getuid?.() !== 0 || !commandExists('apt-get')) {
    throw new StartError(
      'nginx is not installed: install it (apt-get install nginx-light) and start again',
    );
  }
  logger.info('nginx is not installed; installing nginx-light');
  const run = spawnSync('apt-get', ['install', '-y', '-qq', 'nginx-light'], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (run.status !== 0) {
    const retry = spawnSync(
      'sh',
      ['-c', 'apt-get update -qq && apt-get install -y -qq nginx-light'],
      { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    );
    if (retry.status !== 0)
      throw new StartError(`could not install nginx-light: ${retry.stderr.trim().slice(-300)}`);
  }
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

export interface RunningSystem {
  readonly supervisor: Supervisor;
  readonly url: string;
  readonly apiUrls: readonly string[];
  readonly metricsUrls: readonly string[];
  stop(): Promise<void>;
}

/**
 * Nginx is the one process that does not stop by itself when the supervisor dies (SIGKILL, power
 * cut): a stale master found through the runtime folder's pid file is stopped before starting.
 */
async function stopStaleNginx(nginxDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(nginxDir, 'nginx.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const comm = (() => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return null; // not running
    }
  })();
  if (comm !== 'nginx') return;
  logger.warn({ pid }, 'stopping an Nginx left running by an earlier start');
  process.kill(pid, 'SIGQUIT');
  await wait('the stale Nginx to stop', async () => !existsSync(`/proc/${pid}`), 15_000);
}

/** Brings everything up; resolves once Nginx answers /health/ and every API is ready. */
export async function startSystem(options: SystemOptions, logger: Logger): Promise<RunningSystem> {
  await stopStaleNginx(path.join(options.runtimeDir, 'nginx'), logger);
  const apiPorts = Array.from({ length: options.apiReplicas }, (_, k) => options.apiPortBase + k);
  const metricsPorts = Array.from(
    { length: options.workers + 1 },
    (_, k) => options.metricsPortBase + k,
  );
  for (const port of [
    options.httpPort,
    ...apiPorts,
    ...metricsPorts,
    ...(options.tls ? [options.tls.port] : []),
  ]) {
    if (!(await portFree(port)))
      throw new StartError(
        `port ${port} is already in use (set HTTP_PORT, API_PORT_BASE or METRICS_PORT_BASE)`,
      );
  }
  await ensurePostgres(options, logger);
  await ensureRedis(options, logger);
  ensureNginx(logger);

  const applied = await prepareDatabase(options.databaseUrl, logger, 'nfe-ingest-start');
  logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');

  const nginxDir = path.join(options.runtimeDir, 'nginx');
  const asRoot = process.getuid?.() === 0;
  for (const sub of ['', 'client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    const dir = path.join(nginxDir, sub);
    mkdirSync(dir, { recursive: true });
    if (asRoot && sub !== '') chownSync(dir, 65534, 65534); // workers run as nobody
  }
  const confFile = path.join(nginxDir, 'nginx.conf');
  writeFileSync(
    confFile,
    renderNginxConfig({
      listenPort: options.httpPort,
      upstreams: apiPorts.map((p) => `127.0.0.1:${p}`),
      maxBodyBytes: options.uploadMaxBytes,
      docsRoot: path.join(REPO_ROOT, 'nginx', 'www'),
      runtimeDir: nginxDir,
      user: asRoot ? 'nobody nogroup' : null,
      tls: options.tls,
    }),
  );
  const nginxArgs = ['-p', nginxDir, '-c', confFile, '-e', 'stderr'];
  const test = spawnSync('nginx', [...nginxArgs, '-t', '-q'], { encoding: 'utf8' });
  if (test.status !== 0)
    throw new StartError(
      `the rendered nginx configuration does not pass nginx -t: ${test.stderr.trim()}`,
    );

  const supervisor = new Supervisor(logger, options.runtimeDir);
  const base = {
    ...options.env,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    UPLOAD_MAX_BYTES: String(options.uploadMaxBytes),
    SHUTDOWN_TIMEOUT_MS: String(options.shutdownTimeoutMs),
  };
  const node = (file: string): [string, string[]] => [
    process.execPath,
    [path.join(REPO_ROOT, 'dist', file)],
  ];
  apiPorts.forEach((port, k) => {
    const [command, args] = node('api/main.js');
    supervisor.start({
      name: `api-${k + 1}`,
      command,
      args,
      env: { ...base, API_PORT: String(port), API_HOST: '127.0.0.1' },
    });
  });
  for (let k = 0; k < options.workers; k++) {
    const [command, args] = node('engine/main.js');
    supervisor.start({
      name: `worker-${k + 1}`,
      command,
      args,
      env: { ...base, METRICS_PORT: String(metricsPorts[k + 1]) },
      nice: options.workerNice,
    });
  }
  const [command, args] = node('scheduler/main.js');
  supervisor.start({
    name: 'scheduler',
    command,
    args,
    env: { ...base, METRICS_PORT: String(metricsPorts[0]) },
  });

  const apiUrls = apiPorts.map((p) => `http://127.0.0.1:${p}`);
  const stop = (): Promise<void> => supervisor.stopAll(options.shutdownTimeoutMs + 5000);
  try {
    await wait(
      'the API processes',
      async () => (await Promise.all(apiUrls.map((u) => httpOk(`${u}/ready`)))).every(Boolean),
      60_000,
    );
    supervisor.start({
      name: 'nginx',
      command: 'nginx',
      args: [...nginxArgs, '-g', 'daemon off;'],
      env: process.env,
      stopSignal: 'SIGQUIT',
    });
    const url = `http://127.0.0.1:${options.httpPort}`;
    await wait('nginx', () => httpOk(`${url}/health/`), 30_000);
    return {
      supervisor,
      url,
      apiUrls,
      metricsUrls: [
        ...apiUrls.map((u) => `${u}/metrics`),
        ...metricsPorts.map((p) => `http://127.0.0.1:${p}/metrics`),
      ],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * startSystem for a foreground command: Ctrl-C / SIGTERM stop everything and exit 0 from the very
 * first moment. A signal that arrives while the system is starting stops it as soon as the start
 * returns, so that nothing launched (Nginx included) is left behind; a second signal exits at once.
 */
export async function startSystemInForeground(
  options: SystemOptions,
  logger: Logger,
): Promise<RunningSystem> {
  let system: RunningSystem | null = null;
  let stopping = false;
  const stopAndExit = async (): Promise<never> => {
    await system?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping every process');
    if (system !== null) void stopAndExit();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  system = await startSystem(options, logger);
  if (stopping) await stopAndExit();
  return system;
}
