/** Fabric's chaincode logger prints every decorator at info; tests only want warnings and errors. */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'warning';
