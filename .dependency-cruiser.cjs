/**
 * The module boundaries of docs/decisions/120, checked by `npm test` (npm run check:deps).
 * Tests and test fixtures are left out of the channel rules: an end-to-end test may start
 * two channels' simulators and read the database to check what was stored.
 */
const tests = '(\\.test\\.tsx?$|/testing\\.ts$|/test-kit\\.ts$)';
const dataLayers = '^src/(db|orders|inventory|catalog)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles: the app is assembled in src/assembly.ts, nothing registers itself on import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'channel-is-an-adapter',
      severity: 'error',
      comment: 'A channel connector talks to the outside and returns facts; core ingestion stores them (src/channels/core/ingest.ts).',
      from: { path: '^src/channels/(?!core/)[^/]+/', pathNot: tests },
      to: { path: [dataLayers, '^node_modules/drizzle-orm/'] },
    },
    {
      name: 'channel-imports-no-other-channel',
      severity: 'error',
      comment:
        'What two channels share belongs in src/channels/core, or, for a protocol two services speak (SellerCenter: Lamoda and Namshi), in src/channels/protocols/<name>, which is no module itself.',
      from: { path: '^src/channels/([^/]+)/', pathNot: ['^src/channels/(core|protocols)/', tests] },
      to: { path: '^src/channels/[^/]+/', pathNot: ['^src/channels/$1/', '^src/channels/(core|protocols)/'] },
    },
    {
      name: 'core-names-no-channel',
      severity: 'error',
      comment: 'Core loops over the installed modules (src/channels/core/module.ts); only src/channels/registry.ts lists them.',
      from: { path: '^src/(engine|inventory|orders|catalog|http|web|cli|demo|crm|support|delivery|exports|reconcile|channels/core)/', pathNot: tests },
      to: { path: ['^src/channels/(?!core/)[^/]+/', '^src/channels/registry\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|data|\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
