import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../../engine/testkit/pipeline-fixtures';
import { testEnv } from '../../engine/testkit/test-databases';
import { portFree } from '../system';

/** The native stack (`npm start` or `npm run demo`) as a child process, for acceptance tests. */
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** A base port with `count` free ports above it. */
export async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: count }, (_, k) => portFree(base + k)));
    if (free.every(Boolean)) return base;
  }
}

export interface Stack {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: string[];
  readonly runtimeDir: string;
  processes(): { name: string; pid: number | null; restarts: number }[];
  stop(): Promise<number | null>;
}

export async function startStack(
  database: string,
  extraEnv: Record<string, string> = {},
  main = 'ops/start.js',
): Promise<Stack> {
  const base = await freePorts(12);
  const runtimeDir = mkdtempSync(path.join(tmpdir(), 'nfe-run-'));
  const env = {
    ...process.env,
    ...testEnv(database, {
      LOG_LEVEL: 'info',
      CHUNK_SIZE: '100',
      JOB_LOCK_MS: '4000',
      SWEEP_INTERVAL_MS: '2000',
      SWEEP_GRACE_MS: '4000',
      RATE_LIMIT_PER_MINUTE: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
    }),
    HTTP_PORT: String(base),
    API_PORT_BASE: String(base + 1),
    METRICS_PORT_BASE: String(base + 5),
    WORKERS: '2',
    RUNTIME_DIR: runtimeDir,
    ...extraEnv,
  };
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', main)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const url = `http://127.0.0.1:${base}`;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stack: Stack = {
    url,
    child,
    output,
    runtimeDir,
    processes: () => JSON.parse(readFileSync(path.join(runtimeDir, 'processes.json'), 'utf8')),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(runtimeDir, { recursive: true, force: true });
      return code;
    },
  };
  if (main === 'ops/start.js') {
    try {
      await waitFor(
        'the stack to answer /health/ through Nginx',
        async () => (await fetch(`${url}/health/`).catch(() => null))?.ok,
        90_000,
        200,
      );
    } catch (err) {
      process.stderr.write(output.join('').slice(-3000));
      await stack.stop();
      throw err;
    }
  }
  return stack;
}

export function alive(pid: number | null): boolean {
  return (
    pid !== null &&
    existsSync(`/proc/${pid}`) &&
    !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
  );
}

export function postgres(action: 'stop' | 'start'): void {
  if (action === 'start' && spawnSync('pg_isready', ['-q', '-h', '127.0.0.1']).status === 0) return;
  const version = readdirSync('/etc/postgresql').sort().pop() as string;
  const run = spawnSync(
    'pg_ctlcluster',
    [
      '--skip-systemctl-redirect',
      version,
      'main',
      action,
      ...(action === 'stop' ? ['--', '-m', 'fast'] : []),
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0 && !/already running/.test(run.stderr))
    throw new Error(`pg_ctlcluster ${action}: ${run.stderr}`);
}
