import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IpcClient } from './ipc.js';

/** Repository root (bench/lib/ → ../..). */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Every child runs as one plain `node` process (no `tsx` or `npm` wrapper process), so that its pid
 * is the process whose memory and CPU we read. TypeScript children get tsx's loader; `compiled`
 * runs plain JavaScript (the gateway's build, as `npm start` runs it).
 */
export function spawnNode(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; log: string; ipc?: boolean; execArgv?: string[]; compiled?: boolean },
): ChildProcess {
  const env = { ...process.env, ...options.env };
  // A PORT in the caller's environment would override the generated config's port.
  delete env.PORT;
  const child = spawn(
    process.execPath,
    [...(options.execArgv ?? []), ...(options.compiled ? [] : ['--import', 'tsx']), ...args],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
    },
  );
  const log = createWriteStream(options.log, { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.on('exit', () => log.end());
  return child;
}

/** CPU (ms) of children that have exited, read just before they were stopped. */
const finalCpu = new Map<number, number>();

/**
 * Builds the gateway as `npm start` does (`npm run build`: esbuild into dist/) and returns the node
 * flags and entry of the `start` script, so the bench runs exactly what users run.
 */
export function buildGateway(): { entry: string; nodeFlags: string[] } {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  const start = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts.start;
  const match = /\bnode((?:\s+--\S+)*)\s+(dist\/\S+\.js)/.exec(start);
  if (!match) throw new Error(`cannot find "node [flags] dist/….js" in the start script: ${start}`);
  return { entry: match[2], nodeFlags: match[1].trim().split(/\s+/).filter(Boolean) };
}

export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.pid) finalCpu.set(child.pid, cpuMs(child.pid) ?? 0);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Waits for a line matching `pattern` on the child's stdout; returns the first capture group. */
export function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  what: string,
  logPath: string,
): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const match = pattern.exec(buffer);
      if (match) {
        cleanup();
        resolveLine(match[1]);
      } else if (buffer.length > 1_000_000) buffer = buffer.slice(-10_000);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${what} exited (code ${code}) before it was ready; see ${logPath}:\n${tail(logPath)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} not ready within ${timeoutMs} ms; see ${logPath}:\n${tail(logPath)}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function spawnIpcChild(
  script: string,
  options: { env?: NodeJS.ProcessEnv; log: string; name: string },
): { child: ChildProcess; ipc: IpcClient } {
  const child = spawnNode([script], { ...options, ipc: true });
  return { child, ipc: new IpcClient(child, options.name) };
}

// ---- /proc readings (Linux) --------------------------------------------------------------------

let clockTicks: number | null = null;
export function ticksPerSecond(): number {
  if (clockTicks === null) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(out.stdout?.trim()) || 100;
  }
  return clockTicks;
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Peak resident set (MB) since start or since the last `resetPeakRss`. */
export const peakRssMb = (pid: number): number | null => statusField(pid, 'VmHWM');
export const rssMb = (pid: number): number | null => statusField(pid, 'VmRSS');

/** Resets the kernel's peak-RSS mark (Linux ≥ 4.0); false where not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU time (ms) a process has used so far. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
  } catch {
    return null;
  }
}

/** Busy and total CPU time of the whole machine (ms, all cores), from /proc/stat. */
function machineCpu(): { busyMs: number; totalMs: number } | null {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
    const busy = user + nice + system + irq + softirq + (steal || 0);
    const toMs = 1000 / ticksPerSecond();
    return { busyMs: busy * toMs, totalMs: (busy + idle + (iowait || 0)) * toMs };
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  busyMs: number;
  totalMs: number;
  ownMs: number;
}

/** Machine CPU and the CPU of this process and the given children (alive or stopped). */
export function cpuSnapshot(children: readonly ChildProcess[]): CpuSnapshot | null {
  const machine = machineCpu();
  if (!machine) return null;
  const self = process.cpuUsage();
  let own = (self.user + self.system) / 1000;
  for (const child of children) if (child.pid) own += finalCpu.get(child.pid) ?? cpuMs(child.pid) ?? 0;
  return { ...machine, ownMs: own };
}

/** Share of the machine's CPU capacity that processes other than the benchmark's used between two snapshots. */
export function foreignShare(a: CpuSnapshot | null, b: CpuSnapshot | null): { foreign: number; busy: number } | null {
  if (!a || !b || b.totalMs <= a.totalMs) return null;
  const total = b.totalMs - a.totalMs;
  const busy = b.busyMs - a.busyMs;
  const own = b.ownMs - a.ownMs;
  return { foreign: Math.max(0, busy - own) / total, busy: busy / total };
}
