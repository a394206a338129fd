/**
 * The layers of src/, lowest first: a file may import its own layer and the ones below it (README
 * "Layout"). `npm test` runs this (`npm run layers`); it fails on any import circle, on an import
 * that runs back up a layer (none does), and on an engine file importing the provider registry.
 */
const LAYERS = [
  ['domain', '^src/domain/'],
  ['upstream', '^src/(logger\\.ts$|upstream/)'],
  ['pagination', '^src/pagination/'],
  ['cache', '^src/(cache|redis)/'],
  ['sources', '^src/(sources/|config\\.ts$|auth/config\\.ts$)'],
  ['inventory', '^src/inventory/'],
  ['loaders', '^src/loaders/'],
  ['request', '^src/(auth/|context\\.ts$)'],
  ['schema', '^src/schema/'],
  ['server', '^src/server/'],
  ['emulator-kit', '^src/emulators/(core|credentials|demo)\\.ts$'],
  ['providers', '^src/providers/(?!index\\.ts$)'],
  // The composition root: the registry and what builds a gateway or the demo from it.
  ['root', '^src/(providers/index\\.ts|gateway-main\\.ts|main\\.ts|emulators/)'],
];

// A file is in the first layer whose pattern it matches.
const below = (i) => LAYERS.slice(0, i).map(([, path]) => path);
const upward = LAYERS.flatMap(([name, path], i) =>
  LAYERS.slice(i + 1).map(([higher, higherPath], offset) => ({
    name: `layer-${name}-imports-${higher}`,
    comment: `${name} sits below ${higher}: hand it what it needs instead (README "Layout")`,
    severity: 'error',
    from: { path, pathNot: below(i) },
    to: { path: higherPath, pathNot: below(i + 1 + offset) },
  })),
);

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'no-registry-in-engine',
      comment: 'the engine is handed the provider catalog (src/sources/catalog.ts); only the composition root imports the registry',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(providers/|gateway-main\\.ts$|main\\.ts$|emulators/(index|main)\\.ts$)' },
      to: { path: '^src/providers/index\\.ts$' },
    },
    ...upward,
  ],
  options: {
    // Type-only imports count: they tie the modules together for a reader and for the compiler.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
