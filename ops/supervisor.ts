import { ChildProcess, StdioOptions, spawn } from 'node:child_process';
import os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Logger } from '../engine/index';

/**
 * A small process supervisor for the native topology: starts each process, passes its output
 * through, restarts a process that dies (exponential backoff, a log line saying so), and stops
 * everything in order on request. The current pids are written to <runtimeDir>/processes.json.
 *
 * Why not pm2 or supervisord: the start is ordered and dependency-aware (PostgreSQL, Redis,
 * migrations, then APIs, then Nginx), the stop must be graceful per kind of process (SIGQUIT for
 * Nginx, SIGTERM with a deadline for ours), and the supervisor must stay in the foreground and stop
 * everything on Ctrl-C. A daemonizing manager would need as much glue as this file holds.
 */
export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Signal for a graceful stop (Nginx: SIGQUIT). */
  readonly stopSignal?: NodeJS.Signals;
  /** Scheduling niceness (0 to 19): batch work yields the CPU to request handling. */
  readonly nice?: number;
}

interface Supervised {
  readonly spec: ProcessSpec;
  child: ChildProcess | null;
  restarts: number;
  failuresInARow: number;
  startedAt: number;
  timer: NodeJS.Timeout | null;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
/** A process that ran this long before dying starts again from the shortest backoff. */
const HEALTHY_AFTER_MS = 30_000;

export class Supervisor {
  private readonly processes: Supervised[] = [];
  private stopping = false;

  constructor(
    private readonly logger: Logger,
    private readonly runtimeDir: string,
  ) {
    mkdirSync(runtimeDir, { recursive: true });
  }

  /** Passes a child's line on; a closed stdout (a reader went away) must not bring the system down. */
  private output(line: string): void {
    if (process.stdout.writable) process.stdout.write(`${line}\n`);
  }

  start(spec: ProcessSpec): void {
    const p: Supervised = {
      spec,
      child: null,
      restarts: 0,
      failuresInARow: 0,
      startedAt: 0,
      timer: null,
    };
    this.processes.push(p);
    this.launch(p);
  }

  /** Name → pid of every running process. */
  pids(): Record<string, number | null> {
    return Object.fromEntries(this.processes.map((p) => [p.spec.name, p.child?.pid ?? null]));
  }

  private writeState(): void {
    const state = this.processes.map((p) => ({
      name: p.spec.name,
      pid: p.child?.pid ?? null,
      restarts: p.restarts,
      startedAt: new Date(p.startedAt).toISOString(),
    }));
    writeFileSync(
      path.join(this.runtimeDir, 'processes.json'),
      `${JSON.stringify(state, null, 2)}\n`,
    );
  }

  private launch(p: Supervised): void {
    p.timer = null;
    if (this.stopping) return;
    // Node processes get an IPC channel: they stop by themselves if the supervisor dies.
    const stdio: StdioOptions =
      p.spec.command === process.execPath
        ? ['ignore', 'pipe', 'pipe', 'ipc']
        : ['ignore', 'pipe', 'pipe'];
    const child = spawn(p.spec.command, [...p.spec.args], { env: p.spec.env, stdio });
    if (p.spec.nice !== undefined && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, p.spec.nice);
      } catch (err) {
        this.logger.warn(
          { process: p.spec.name, err: (err as Error).message },
          'could not set the priority',
        );
      }
    }
    p.child = child;
    p.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      const lines = createInterface({ input: stream });
      lines.on('line', (line) =>
        this.output(
          line.startsWith('{') ? line : JSON.stringify({ process: p.spec.name, msg: line }),
        ),
      );
    }
    child.on('error', (err) =>
      this.logger.error({ name: p.spec.name, err: err.message }, 'process could not be started'),
    );
    child.on('exit', (code, signal) => this.exited(p, child, code, signal));
    this.writeState();
  }

  private exited(
    p: Supervised,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (p.child !== child) return;
    p.child = null;
    this.writeState();
    if (this.stopping) return;
    const ranMs = Date.now() - p.startedAt;
    p.failuresInARow = ranMs > HEALTHY_AFTER_MS ? 1 : p.failuresInARow + 1;
    const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (p.failuresInARow - 1));
    p.restarts++;
    this.logger.warn(
      {
        name: p.spec.name,
        pid: child.pid,
        code,
        signal,
        ranMs,
        restartInMs: delay,
        restarts: p.restarts,
      },
      'process exited; restarting',
    );
    p.timer = setTimeout(() => this.launch(p), delay);
  }

  /** Stops every process, last started first, waiting up to `deadlineMs` before SIGKILL. */
  async stopAll(deadlineMs: number): Promise<void> {
    this.stopping = true;
    for (const p of this.processes) if (p.timer) clearTimeout(p.timer);
    for (const p of [...this.processes].reverse()) {
      const child = p.child;
      if (child === null || child.exitCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(p.spec.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => {
        this.logger.warn({ name: p.spec.name }, 'did not stop in time; killing');
        child.kill('SIGKILL');
      }, deadlineMs);
      await exited;
      clearTimeout(timer);
    }
    this.writeState();
  }
}
