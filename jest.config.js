/**
 * The README's test command (`npm test`) runs every project: chaincode unit and contract tests,
 * dev ledger protocol tests, and the gateway app's inject tests against the dev ledger.
 */
module.exports = {
  projects: ['<rootDir>/chaincode', '<rootDir>/devledger', '<rootDir>/application', '<rootDir>/test-network-scripts'],
  testTimeout: 60000,
};
