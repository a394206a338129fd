import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  /** Microseconds on the system's monotonic clock (what `process.hrtime` reads in any process). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The gateway runs as an esbuild bundle (dist/*.js, with source maps): a frame in it is reported
 * at its place in src/, so that the summary says which of our files the time went to.
 */
function sourceMapped(root: string): (url: string, line: number, column: number) => { url: string; line: number } {
  const maps = new Map<string, SourceMap | null>();
  return (url, line, column) => {
    if (!url.startsWith(`file://${root}/dist/`)) return { url, line };
    let map = maps.get(url);
    if (map === undefined) {
      const mapFile = `${fileURLToPath(url)}.map`;
      map = existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null;
      maps.set(url, map);
    }
    const entry = map?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
    if (!entry?.originalSource) return { url, line };
    const original = new URL(entry.originalSource, pathToFileURL(`${fileURLToPath(url)}.map`)).href;
    return { url: original, line: entry.originalLine ?? line };
  };
}

/** Where a frame's code lives: a package, a file of ours, Node itself, or the VM. */
function areaOf(url: string, functionName: string, root: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (path.startsWith('node:')) return 'node internals';
  if (path.startsWith(root))
    return path
      .slice(root.length + 1)
      .split('/')
      .slice(0, 2)
      .join('/');
  return path;
}

/**
 * Self time by area and the hottest functions of a `--cpu-prof` profile, as text; only samples
 * within `window` (monotonic µs, from `process.hrtime.bigint() / 1000n`), so that start-up
 * (module loading) does not count.
 */
export function summarizeProfile(
  file: string,
  root: string,
  window?: { startUs: number; endUs: number },
  top = 15,
): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.startUs || at > window.endUs)) return;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const idle = [...self]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
    .reduce((n, [, t]) => n + t, 0);
  const busy = total - idle || 1;
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const mapped = sourceMapped(root);
  for (const [id, time] of self) {
    const frame = byId.get(id)!.callFrame;
    const { functionName } = frame;
    const { url, line: lineNumber } = mapped(frame.url, frame.lineNumber, frame.columnNumber);
    if (functionName === '(idle)') continue;
    const area = areaOf(url, functionName, root);
    areas.set(area, (areas.get(area) ?? 0) + time);
    const path = url.replace(/^file:\/\//, '');
    const where = path.startsWith(`${root}/src/`)
      ? path.slice(root.length + 1)
      : path.startsWith('node:')
        ? path
        : area;
    const name = `${functionName || '(anonymous)'} ${where}${url && !url.startsWith('node:') && !path.startsWith(`${root}/src/`) ? `:${lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + time);
  }
  const pct = (t: number) => `${((t / busy) * 100).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `  ${pct(t)}  ${k}`);
  return [
    `busy ${((busy / total) * 100).toFixed(0)}% of ${(total / 1e6).toFixed(1)} s sampled; self time of the busy part:`,
    ' by package / source folder:',
    ...list(areas),
    ' hottest functions:',
    ...list(functions),
  ].join('\n');
}
