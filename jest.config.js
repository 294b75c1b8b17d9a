/** Jest runs the cdk8s app's tests (test/); the datastore package has its own suite. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type-checking is `npm run typecheck` (tsc), run before jest by `npm test`; ts-jest only transpiles.
  transform: { '^.+\\.ts$': 'ts-jest' },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
