/** Households, their member bindings and their private details. */
import { keys, ranges } from '../keys';
import type { HouseholdRecord, IdentityBinding, PrivateDetails } from '../model';
import { notFound } from '../errors';
import { retailerCollection } from '../privateData';
import type { StateStore } from '../state';

export interface StoredPrivateDetails extends PrivateDetails {
  salt: string;
}

export class HouseholdRepository {
  constructor(private readonly state: StateStore) {}

  async find(householdId: string): Promise<HouseholdRecord | undefined> {
    return this.state.get<HouseholdRecord>(keys.household(this.state.stub, householdId));
  }

  async get(householdId: string): Promise<HouseholdRecord> {
    const found = await this.find(householdId);
    if (!found) throw notFound(`household ${householdId} does not exist`);
    return found;
  }

  async put(household: HouseholdRecord): Promise<void> {
    await this.state.put(keys.household(this.state.stub, household.householdId), household);
  }

  async list(): Promise<HouseholdRecord[]> {
    const [type, attrs] = ranges.households();
    return (await this.state.range<HouseholdRecord>(type, attrs)).map((e) => e.value);
  }

  async findBinding(mspId: string, identityId: string): Promise<IdentityBinding | undefined> {
    return this.state.get<IdentityBinding>(keys.memberIdentity(this.state.stub, mspId, identityId));
  }

  async putBinding(mspId: string, identityId: string, binding: IdentityBinding): Promise<void> {
    await this.state.put(keys.memberIdentity(this.state.stub, mspId, identityId), binding);
  }

  async deleteBinding(mspId: string, identityId: string): Promise<void> {
    await this.state.stub.deleteState(keys.memberIdentity(this.state.stub, mspId, identityId));
  }

  async putPrivateDetails(retailerMspId: string, householdId: string, details: StoredPrivateDetails): Promise<void> {
    await this.state.putPrivate(retailerCollection(retailerMspId), keys.householdPrivate(this.state.stub, householdId), details);
  }

  async findPrivateDetails(retailerMspId: string, householdId: string): Promise<StoredPrivateDetails | undefined> {
    return this.state.getPrivate<StoredPrivateDetails>(
      retailerCollection(retailerMspId),
      keys.householdPrivate(this.state.stub, householdId),
    );
  }
}
