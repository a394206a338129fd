import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

/**
 * Our own GraphiQL bundle: GraphiQL 4 (CodeMirror 5 editors) with React 19, built from ./browser.jsx
 * by esbuild into one minified script (1.4 MB, 370 KiB brotli), one style sheet and its fonts as
 * files (inline, the fonts made the sheet 400 KB, and the browser fetches only the faces it draws),
 * plus a favicon. Chosen by measurement in headless Chromium on this 2-core machine (see
 * BENCHMARKS.md, "GraphiQL first load"): @graphql-yoga/render-graphiql's GraphiQL 5 + Monaco bundle
 * (5 MB app and three Monaco workers) took ~3.5 s cold; rebuilt by us minified and code-split, Monaco
 * still cost more main-thread time than this whole build.
 *
 * Where it is built, and why there: the output is not committed (too large, and derived). `npm run
 * build` (which `npm start` runs) calls this module's CLI, and a gateway builds it on first use when
 * it is missing (tests, `tsx`). Either way the result is cached in
 * node_modules/.cache/secrets-gateway-graphiql/current/, keyed by the entry, this file and the
 * lockfile, so it is rebuilt (~5 s) only when one of them changes, and `npm ci` starts afresh. Each
 * file is stored with its brotli (quality 11) and gzip (level 9) forms: even the first visitor gets
 * compressed bytes, and the server never compresses at run time.
 *
 * React and React DOM come in as graphiql's peer dependencies and are deliberately not listed in
 * package.json: Biome turns on its React rules for the whole project when `react` is listed, and
 * those take yoga's `useX` plugin factories for hooks.
 */

export interface BuiltFile {
  /** `graphiql.<hash>.js`, `graphiql.<hash>.css`, `favicon.<hash>.svg`, `font.<hash>.woff2`. */
  name: string;
  type: string;
  /** 16 base64url characters of the SHA-256 of the bytes (also in the name). */
  hash: string;
  body: Buffer;
  br: Buffer;
  gzip: Buffer;
}

export interface GraphiQLBuild {
  script: BuiltFile;
  style: BuiltFile;
  favicon: BuiltFile;
  /** Named by the style sheet, beside it. */
  fonts: BuiltFile[];
}

type Role = 'script' | 'style' | 'favicon' | 'font';
interface Manifest {
  key: string;
  files: Array<{ role: Role; name: string; type: string; hash: string }>;
}

const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
const ENTRY = join(ROOT, 'src', 'server', 'graphiql', 'browser.jsx');
const SELF = join(ROOT, 'src', 'server', 'graphiql', 'build.ts');
const CACHE = join(ROOT, 'node_modules', '.cache', 'secrets-gateway-graphiql');

/** A pink hexagon with a white "G": GraphiQL's tab icon, without a second request to a CDN. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#e535ab" d="M16 1.5 28.5 8.75v14.5L16 30.5 3.5 23.25V8.75z"/><text x="16" y="22" font-family="Arial,sans-serif" font-size="16" font-weight="bold" fill="#fff" text-anchor="middle">G</text></svg>`;

/** The directory holding package.json, from src/server/graphiql/ or from a bundle in dist/. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'server', 'graphiql'))) return dir;
    if (dirname(dir) === dir) throw new Error(`GraphiQL build: no project root above ${from}`);
  }
}

async function cacheKey(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [ENTRY, SELF, join(ROOT, 'package-lock.json')])
    hash.update(existsSync(file) ? await readFile(file) : `missing ${file}`);
  return hash.digest('base64url').slice(0, 20);
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

async function builtFile(
  stem: string,
  extension: string,
  type: string,
  body: Buffer,
  name?: string,
): Promise<BuiltFile> {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  const [br, gz] = await Promise.all([
    brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    gzipAsync(body, { level: 9 }),
  ]);
  return { name: `${stem}.${hash}.${extension}`, type, hash, body, br, gzip: gz };
}

async function compile(): Promise<GraphiQLBuild> {
  // esbuild is a devDependency, as are the browser packages it bundles: only a build imports them.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    outdir: 'out',
    entryNames: 'graphiql',
    format: 'iife',
    minify: true,
    target: ['chrome111', 'edge111', 'firefox114', 'safari16.4'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  const output = (extension: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(`.${extension}`));
    if (!file) throw new Error(`GraphiQL build: esbuild wrote no .${extension} file`);
    return Buffer.from(file.contents);
  };
  const { css, fonts: fontBodies } = extractFonts(output('css').toString('utf8'));
  const [script, style, favicon, ...fonts] = await Promise.all([
    builtFile('graphiql', 'js', 'text/javascript; charset=utf-8', output('js')),
    builtFile('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(css)),
    builtFile('favicon', 'svg', 'image/svg+xml', Buffer.from(FAVICON)),
    ...fontBodies.map((font) => builtFile('font', font.extension, `font/${font.extension}`, font.body)),
  ]);
  return { script, style, favicon, fonts };
}

/**
 * GraphiQL's style sheet carries its fonts inline (34 faces: Roboto and Fira Code, per script and
 * weight). Each becomes a file beside the sheet, so the browser fetches only the faces it draws.
 */
export function extractFonts(css: string): {
  css: string;
  fonts: Array<{ name: string; extension: string; body: Buffer }>;
} {
  const fonts: Array<{ name: string; extension: string; body: Buffer }> = [];
  const rewritten = css.replace(
    /url\(\s*["']?data:font\/(woff2?|ttf);base64,([A-Za-z0-9+/=]+)["']?\s*\)/g,
    (_, extension: string, data: string) => {
      const body = Buffer.from(data, 'base64');
      const name = `font.${createHash('sha256').update(body).digest('base64url').slice(0, 16)}.${extension}`;
      if (!fonts.some((f) => f.name === name)) fonts.push({ name, extension, body });
      return `url(./${name})`;
    },
  );
  return { css: rewritten, fonts };
}

async function readCached(dir: string, key: string): Promise<GraphiQLBuild | null> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.key !== key || !Array.isArray(manifest.files)) return null;
    const files = await Promise.all(
      manifest.files.map(async ({ role, ...file }) => {
        const [body, br, gz] = await Promise.all(
          ['', '.br', '.gz'].map((suffix) => readFile(join(dir, file.name + suffix))),
        );
        return { role, file: { ...file, body, br, gzip: gz } };
      }),
    );
    const one = (role: Role) => files.find((f) => f.role === role)!.file;
    return {
      script: one('script'),
      style: one('style'),
      favicon: one('favicon'),
      fonts: files.filter((f) => f.role === 'font').map((f) => f.file),
    };
  } catch {
    return null;
  }
}

/** Written to a private directory first and renamed into place: concurrent builders never see half a build. */
async function writeCached(dir: string, key: string, built: GraphiQLBuild): Promise<void> {
  const temporary = `${dir}.${process.pid}.${Date.now()}.tmp`;
  await mkdir(temporary, { recursive: true });
  const files: Manifest['files'] = [];
  const roles: Array<[Role, BuiltFile]> = [
    ['script', built.script],
    ['style', built.style],
    ['favicon', built.favicon],
    ...built.fonts.map((font): [Role, BuiltFile] => ['font', font]),
  ];
  for (const [role, file] of roles) {
    await Promise.all([
      writeFile(join(temporary, file.name), file.body),
      writeFile(join(temporary, `${file.name}.br`), file.br),
      writeFile(join(temporary, `${file.name}.gz`), file.gzip),
    ]);
    files.push({ role, name: file.name, type: file.type, hash: file.hash });
  }
  await writeFile(join(temporary, 'manifest.json'), JSON.stringify({ key, files } satisfies Manifest, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(temporary, dir).catch(async (error: NodeJS.ErrnoException) => {
    await rm(temporary, { recursive: true, force: true });
    // Another process put its (identical) build there between our rm and rename.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  });
}

/** The current build: from the cache when its key matches, otherwise built now and cached. */
export async function graphiqlBuild(): Promise<GraphiQLBuild & { fromCache: boolean }> {
  const key = await cacheKey();
  const dir = join(CACHE, 'current');
  const cached = await readCached(dir, key);
  if (cached) return { ...cached, fromCache: true };
  const built = await compile();
  await writeCached(dir, key, built).catch(() => undefined); // a read-only tree still serves what it built
  return { ...built, fromCache: false };
}

// `node dist/server/graphiql/build.js` (from `npm run build`): build now if the cache is stale.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const result = await graphiqlBuild();
  if (!result.fromCache) {
    const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
    console.log(
      `GraphiQL built in ${((Date.now() - started) / 1000).toFixed(1)} s: script ${kib(result.script.body.length)} (${kib(result.script.br.length)} brotli), style ${kib(result.style.body.length)} (${kib(result.style.br.length)} brotli)`,
    );
  }
}
