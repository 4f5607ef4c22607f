/**
 * The README's test command (`npm test`) runs every project: chaincode unit and contract tests,
 * dev ledger protocol tests, the gateway app's inject tests against the dev ledger, the network
 * scripts' checks, and the simulator core.
 */
module.exports = {
  projects: ['<rootDir>/chaincode', '<rootDir>/devledger', '<rootDir>/application', '<rootDir>/test-network-scripts', '<rootDir>/bench'],
  testTimeout: 60000,
};
