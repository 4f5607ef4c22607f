/**
 * `npm run test:fabric`: the end-to-end suite against a real Fabric network brought up natively by
 * test-network-scripts/native/network.sh. Needs Fabric release binaries (FABRIC_BIN or PATH); without
 * them the suite prints a SKIP line and skips.
 */
const path = require('path');
const base = require('./jest.preset.js')(path.join(__dirname, 'test-network-scripts'), 'fabric-e2e');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/e2e/**/*.test.ts'],
  testTimeout: 600000,
  maxWorkers: 1,
};
