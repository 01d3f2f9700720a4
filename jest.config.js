// Jest runs in native ESM mode (node --experimental-vm-modules) because got 14 and jose 6 are ESM-only.
// @swc/jest strips types per file (fast); `npm run typecheck` does the type checking.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // keepImportAttributes: src/simulator loads its vendored OpenAPI JSON with `import … with { type: 'json' }`.
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022', experimental: { keepImportAttributes: true } }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/handlers/**/*.test.ts'],
  testTimeout: 30000,
};
