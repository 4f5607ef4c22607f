/** One chaincode event per transaction (Fabric keeps only the last `setEvent`), canonical JSON payload. */
import type { ChaincodeStub } from 'fabric-shim-api';
import { canonicalBytes } from './canonical';

export type EventName =
  | 'ConsortiumInitialised'
  | 'HouseholdOnboarded'
  | 'MemberAdded'
  | 'MemberRemoved'
  | 'MemberUpdated'
  | 'HouseholdUpdated'
  | 'MeterRegistered'
  | 'MeterRetired'
  | 'ReadingsSubmitted'
  | 'MarketConfigUpdated'
  | 'OrderPlaced'
  | 'OrderCancelled'
  | 'IntervalClosed'
  | 'IntervalCleared'
  | 'IntervalSettled'
  | 'Deposited'
  | 'Withdrawn'
  | 'CertificateClaimed';

export function emitEvent(stub: ChaincodeStub, name: EventName, payload: Record<string, unknown>): void {
  stub.setEvent(name, canonicalBytes(payload));
}
