import { EndorseError } from '@hyperledger/fabric-gateway';
import { connectClient, makeIdentity, startFixtureLedger, tempDataDir, utf8 } from './helpers';

describe('chaincode runtime', () => {
  it('fails in-flight transactions clearly when the chaincode dies, then restarts it', async () => {
    const ledger = await startFixtureLedger(tempDataDir('crash'));
    const client = connectClient(ledger.gatewayEndpoint, await makeIdentity('UtilityMSP', 'carol'));
    try {
      const contract = client.gateway.getNetwork('energy').getContract('probe', 'probe');
      await contract.submitTransaction('Put', 'before', '1');
      const error = await contract.submitTransaction('Crash').catch((e: EndorseError) => e);
      expect(error).toBeInstanceOf(EndorseError);
      expect((error as EndorseError).details[0]?.message).toMatch(/chaincode/);
      expect(utf8(await contract.evaluateTransaction('Get', 'before'))).toBe('1');
    } finally {
      client.close();
      await ledger.close();
    }
  });

  it('rejects non-deterministic endorsements when the determinism guard is on', async () => {
    const ledger = await startFixtureLedger(tempDataDir('determinism'), { determinismCheck: true });
    const client = connectClient(ledger.gatewayEndpoint, await makeIdentity('UtilityMSP', 'dave'));
    try {
      const contract = client.gateway.getNetwork('energy').getContract('probe', 'probe');
      await contract.submitTransaction('Put', 'stable', 'v');
      const error = await contract.submitTransaction('Random').catch((e: EndorseError) => e);
      expect(error).toBeInstanceOf(EndorseError);
      expect((error as EndorseError).details[0]?.message).toContain('different results on two runs');
    } finally {
      client.close();
      await ledger.close();
    }
  });
});
