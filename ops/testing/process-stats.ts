import { readFileSync, readdirSync } from 'node:fs';

/** What /proc says about processes: resident memory and CPU time (Linux). */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used by every PostgreSQL process (the server and its backends). */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        total += cpuSeconds(Number(entry));
    } catch {
      // gone
    }
  }
  return total;
}

/**
 * The peak resident memory of named processes, sampled every `everyMs` from the moment it is
 * created until `stop()`. `pids` is asked at every sample, so restarted processes are followed.
 */
export class PeakRss {
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(pids: () => Iterable<readonly [string, number | null | undefined]>, everyMs: number) {
    this.timer = setInterval(() => {
      for (const [name, pid] of pids())
        if (pid !== null && pid !== undefined)
          this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rssMiB(pid)));
    }, everyMs);
  }

  /** Stops sampling; the peak of every process seen, in MiB. */
  stop(): Map<string, number> {
    clearInterval(this.timer);
    return this.peaks;
  }
}
