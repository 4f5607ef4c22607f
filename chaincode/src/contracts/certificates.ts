import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../ledger/canonical';
import { ChaincodeError } from '../ledger/errors';
import { emitEvent } from '../ledger/events';
import { txInfo } from '../ledger/state';
import { requireOwner, requireReadHousehold } from './access';
import { GridshareContract } from './base';
import { identifier } from './validate';
import { certificateView } from './views';

/** Green certificates: P2P energy a household bought and its seller actually exported. */
@Info({ title: 'certificates', description: 'Green certificates' })
export class CertificatesContract extends GridshareContract {
  constructor() {
    super('certificates');
  }

  /** A household's certificates. */
  @Transaction(false)
  @Returns('string')
  @Param('householdId', 'string', 'household ID')
  async ListCertificates(ctx: Context, householdId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const household = await ledger.households.get(identifier(householdId, 'householdId'));
    requireReadHousehold(caller, household, 'certificates');
    const certificates = await ledger.certificates.ofHousehold(household.householdId);
    return canonicalJson({ certificates: certificates.map(certificateView) });
  }

  /** Claims a certificate for its household, once. */
  @Transaction()
  @Returns('string')
  @Param('certificateId', 'string', 'certificate ID')
  async ClaimCertificate(ctx: Context, certificateId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const certificate = await ledger.certificates.get(certificateIdOf(certificateId));
    const owner = requireOwner(caller, await ledger.households.get(certificate.buyerHouseholdId), 'claim certificates');
    if (certificate.claimed) throw new ChaincodeError('ALREADY_CLAIMED', `certificate ${certificate.certificateId} is already claimed`);
    const claimed = { ...certificate, claimed: true, claimedBy: owner.userId, claimedTxId: txInfo(ctx.stub).txId };
    await ledger.certificates.update(claimed);
    emitEvent(ctx.stub, 'CertificateClaimed', {
      certificateId: claimed.certificateId,
      householdId: claimed.buyerHouseholdId,
      interval: claimed.interval,
      energyWh: claimed.energyWh,
    });
    return canonicalJson(certificateView(claimed));
  }
}

/** Certificate IDs are trade IDs (`<interval>#<seq>`), so they may hold '#'. */
function certificateIdOf(raw: unknown): string {
  if (typeof raw !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:@#|-]{0,159}$/.test(raw)) return identifier(raw, 'certificateId');
  return raw;
}
