import path from 'node:path';
import { Collections } from '../src/chaincode/collections';
import { repoRoot } from './helpers';

describe('collection access for the transaction creator', () => {
  const gridshare = Collections.load(path.join(repoRoot, 'chaincode', 'collections_config.json'), 'gridshare');
  const retailerCollection = 'RetailerMSPPrivateCollection';

  it("lets the Gridshare retailer collection's member orgs read and write it, and no one else", () => {
    for (const member of ['RetailerMSP', 'UtilityMSP']) {
      expect(() => gridshare.checkReadAccess(retailerCollection, member)).not.toThrow();
      expect(() => gridshare.checkWriteAccess(retailerCollection, member)).not.toThrow();
    }
    expect(() => gridshare.checkReadAccess(retailerCollection, 'AuditorMSP')).toThrow(
      `tx creator does not have read access permission on privatedata in chaincodeName:gridshare collectionName: ${retailerCollection}`,
    );
    expect(() => gridshare.checkWriteAccess(retailerCollection, 'AuditorMSP')).toThrow(
      `tx creator does not have write access permission on privatedata in chaincodeName:gridshare collectionName: ${retailerCollection}`,
    );
  });

  it('reads member orgs from the policy, MSP IDs with dots included, and lets anyone in when access is not member-only', () => {
    const collections = new Collections(
      [
        { name: 'dotted', policy: "OR('org.example.MSP.member', 'Other.peer')", memberOnlyRead: true, memberOnlyWrite: true },
        { name: 'open', policy: "OR('Org1MSP.member')" },
      ],
      'cc',
    );
    expect(() => collections.checkReadAccess('dotted', 'org.example.MSP')).not.toThrow();
    expect(() => collections.checkWriteAccess('dotted', 'Other')).not.toThrow();
    expect(() => collections.checkReadAccess('dotted', 'org.example')).toThrow(/read access permission/);
    expect(() => collections.checkReadAccess('open', 'Anyone')).not.toThrow();
    expect(() => collections.checkWriteAccess('open', 'Anyone')).not.toThrow();
    expect(() => collections.checkReadAccess('missing', 'Org1MSP')).toThrow(/collection missing could not be found/);
  });
});
