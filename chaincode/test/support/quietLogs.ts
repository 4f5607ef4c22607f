/** Fabric's chaincode logger prints every decorator at info; expected chaincode errors would flood the test output too. */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'critical';
