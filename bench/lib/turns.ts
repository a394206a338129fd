import { totalCalls, type Bench } from './bench.js';
import { load } from './load.js';
import { cpuMs, peakRssMb, resetPeakRss } from './processes.js';
import type { ThroughputReport } from './types.js';

export interface TurnTarget {
  name: string;
  url: string;
  pid: number;
}

export interface TurnRun extends ThroughputReport {
  /** CPU per request of the target process, the emulators and this process (autocannon). */
  cpuMsPerRequest: number | null;
  emulatorCpuMsPerRequest: number | null;
  driverCpuMsPerRequest: number;
  callsPerRequest: number;
  /** Turns run again because the emulators were called during them (`quietTurns`). */
  repeatedTurns: number;
}

/**
 * The same request as load on several targets: each is warmed up, then they take turns (A B C A B
 * C...) so that drift on a shared 2-core machine falls on all of them alike. Rates are summed over
 * the turns; p50/p99 are the means of the turns'. With `quietTurns`, a turn in which the emulators
 * were called (a gateway's background sync ran: its CPU would be counted against whichever target
 * had the turn) is run again, up to that many times.
 */
export async function takeTurns(
  bench: Bench,
  targets: TurnTarget[],
  body: string,
  options: { connections: number; warmS: number; durationS: number; rounds: number; quietTurns?: number },
): Promise<Record<string, TurnRun>> {
  const { emulators } = bench;
  for (const t of targets) {
    await load(t.url, [body], { connections: options.connections, durationS: options.warmS });
    await emulators.settle();
  }
  for (const t of targets) resetPeakRss(t.pid);
  const acc = new Map(
    targets.map((t) => [
      t.name,
      {
        requests: 0,
        durationS: 0,
        errors: 0,
        p50: [] as number[],
        p99: [] as number[],
        cpu: 0 as number | null,
        emu: 0 as number | null,
        driver: 0,
        calls: 0,
        sent: 0,
        repeated: 0,
      },
    ]),
  );
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  for (let round = 0; round < options.rounds; round++) {
    for (const t of targets) {
      const a = acc.get(t.name)!;
      for (let attempt = 0; ; attempt++) {
        await emulators.settle();
        await emulators.reset();
        const c0 = cpuMs(t.pid);
        const e0 = cpuMs(emulators.pid);
        const d0 = process.cpuUsage();
        const result = await load(t.url, [body], {
          connections: options.connections,
          durationS: options.durationS / options.rounds,
        });
        const d = process.cpuUsage(d0);
        const cpu = delta(c0, cpuMs(t.pid));
        const emu = delta(e0, cpuMs(emulators.pid));
        await emulators.settle();
        const calls = totalCalls(await emulators.stats());
        if (calls > 0 && attempt < (options.quietTurns ?? 0)) {
          a.repeated++;
          continue;
        }
        a.cpu = a.cpu === null || cpu === null ? null : a.cpu + cpu;
        a.emu = a.emu === null || emu === null ? null : a.emu + emu;
        a.driver += (d.user + d.system) / 1000;
        a.requests += result.requests;
        a.durationS += result.durationS;
        a.errors += result.errors;
        a.p50.push(result.p50Ms);
        a.p99.push(result.p99Ms);
        a.calls += calls;
        a.sent += result.requests + result.connections;
        break;
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
  return Object.fromEntries(
    targets.map((t) => {
      const a = acc.get(t.name)!;
      const per = (v: number | null) => (v === null || !a.requests ? null : v / a.requests);
      const run: TurnRun = {
        requests: a.requests,
        errors: a.errors,
        durationMs: a.durationS * 1000,
        perSecond: a.requests / a.durationS,
        p50Ms: mean(a.p50),
        p99Ms: mean(a.p99),
        maxRssMb: peakRssMb(t.pid) ?? NaN,
        cpuMsPerRequest: per(a.cpu),
        emulatorCpuMsPerRequest: per(a.emu),
        driverCpuMsPerRequest: per(a.driver) ?? 0,
        callsPerRequest: a.calls / Math.max(1, a.sent),
        repeatedTurns: a.repeated,
      };
      return [t.name, run];
    }),
  );
}
