/** Green certificates, listed per buyer household and found by ID through a small index. */
import { keys, ranges } from '../keys';
import type { CertificateRecord } from '../model';
import { notFound } from '../errors';
import type { StateStore } from '../state';

interface CertificatePointer {
  householdId: string;
}

export class CertificateRepository {
  constructor(private readonly state: StateStore) {}

  async insert(certificate: CertificateRecord): Promise<void> {
    const stub = this.state.stub;
    await this.state.put(keys.certificate(stub, certificate.buyerHouseholdId, certificate.certificateId), certificate);
    await this.state.put(keys.certificateById(stub, certificate.certificateId), {
      householdId: certificate.buyerHouseholdId,
    } satisfies CertificatePointer);
  }

  async get(certificateId: string): Promise<CertificateRecord> {
    const pointer = await this.state.get<CertificatePointer>(keys.certificateById(this.state.stub, certificateId));
    const found = pointer
      ? await this.state.get<CertificateRecord>(keys.certificate(this.state.stub, pointer.householdId, certificateId))
      : undefined;
    if (!found) throw notFound(`certificate ${certificateId} does not exist`);
    return found;
  }

  async update(certificate: CertificateRecord): Promise<void> {
    await this.state.put(keys.certificate(this.state.stub, certificate.buyerHouseholdId, certificate.certificateId), certificate);
  }

  async ofHousehold(householdId: string): Promise<CertificateRecord[]> {
    const [type, attrs] = ranges.certificatesOfHousehold(householdId);
    return (await this.state.range<CertificateRecord>(type, attrs)).map((e) => e.value);
  }
}
