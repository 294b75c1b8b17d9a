/** `npm run test:package`: the construct library as users get it (test/package/). */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/package'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 15 * 60 * 1000,
};
