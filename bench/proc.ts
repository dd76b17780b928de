/** What the benchmark reads about processes from /proc: CPU time and peak resident memory. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used so far (all its threads); 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Peak resident memory of a process in MB (VmHWM), or 0 once it is gone. */
export function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process now in MB (VmRSS), or 0 once it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid of a local service started by scripts/services.sh. */
export function servicePid(name: 'kafka' | 'es'): number | undefined {
  try {
    const pid = Number(
      readFileSync(new URL(`../.cache/services/run/${name}.pid`, import.meta.url), 'utf8').trim(),
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds used by each named process between start() and the returned stop(). */
export function cpuMeter(pids: Readonly<Record<string, number | undefined>>): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? cpuSeconds(pid) : 0]));
  return () =>
    Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? cpuSeconds(pid) - before[k]! : 0]));
}

/** Restricts every thread of a process to a CPU list (taskset syntax); false if that failed. */
export function pin(pid: number, cpuList: string): boolean {
  const r = spawnSync('taskset', ['-a', '-cp', cpuList, String(pid)], { stdio: 'ignore' });
  return r.status === 0;
}
