/** Jest runs the cdk8s app's tests (test/); the datastore package has its own suite. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The package's own tests (npm pack, a consumer project, the Python bindings) take minutes and
  // the registries: `npm run test:package` (jest.package.config.js) runs them.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/'],
  // Type-checking is `npm run typecheck` (tsc), run before jest by `npm test`; ts-jest only transpiles.
  transform: { '^.+\\.ts$': 'ts-jest' },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
