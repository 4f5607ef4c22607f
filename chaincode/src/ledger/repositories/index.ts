import type { ChaincodeStub } from 'fabric-shim-api';
import { StateStore } from '../state';
import { CertificateRepository } from './certificates';
import { CommitmentRepository } from './commitments';
import { ConfigRepository } from './config';
import { HouseholdRepository } from './households';
import { IntervalRepository } from './intervals';
import { MeterRepository } from './meters';
import { MoneyRepository } from './money';
import { OrderRepository } from './orders';

export { DEFAULT_MARKET_CONFIG } from './config';
export type { CommitmentRecord } from './commitments';
export type { StoredPrivateDetails } from './households';
export type { Movement } from './money';

/** All repositories of one transaction, sharing its stub. */
export class Ledger {
  readonly state: StateStore;
  readonly config: ConfigRepository;
  readonly households: HouseholdRepository;
  readonly meters: MeterRepository;
  readonly orders: OrderRepository;
  readonly intervals: IntervalRepository;
  readonly money: MoneyRepository;
  readonly certificates: CertificateRepository;
  readonly commitments: CommitmentRepository;

  constructor(readonly stub: ChaincodeStub) {
    this.state = new StateStore(stub);
    this.config = new ConfigRepository(this.state);
    this.households = new HouseholdRepository(this.state);
    this.meters = new MeterRepository(this.state);
    this.intervals = new IntervalRepository(this.state);
    this.orders = new OrderRepository(this.state, this.intervals);
    this.money = new MoneyRepository(this.state);
    this.certificates = new CertificateRepository(this.state);
    this.commitments = new CommitmentRepository(this.state);
  }
}
