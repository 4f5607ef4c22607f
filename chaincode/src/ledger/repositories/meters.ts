/** Meters (public) and their readings (raw in the retailer's collection, salted hash in public state). */
import { keys, ranges } from '../keys';
import type { MeterRecord, PrivateReading, ReadingHash } from '../model';
import { notFound } from '../errors';
import { retailerCollection } from '../privateData';
import type { StateStore } from '../state';

export class MeterRepository {
  constructor(private readonly state: StateStore) {}

  async find(meterId: string): Promise<MeterRecord | undefined> {
    return this.state.get<MeterRecord>(keys.meter(this.state.stub, meterId));
  }

  async get(meterId: string): Promise<MeterRecord> {
    const found = await this.find(meterId);
    if (!found) throw notFound(`meter ${meterId} does not exist`);
    return found;
  }

  async put(meter: MeterRecord): Promise<void> {
    await this.state.put(keys.meter(this.state.stub, meter.meterId), meter);
  }

  async findReadingHash(meterId: string, interval: string): Promise<ReadingHash | undefined> {
    return this.state.get<ReadingHash>(keys.reading(this.state.stub, meterId, interval));
  }

  async putReading(retailerMspId: string, reading: PrivateReading, hash: string): Promise<void> {
    const key = keys.reading(this.state.stub, reading.meterId, reading.interval);
    await this.state.putPrivate(retailerCollection(retailerMspId), key, reading);
    const trace: ReadingHash = { meterId: reading.meterId, interval: reading.interval, hash };
    await this.state.put(key, trace);
  }

  async findReading(retailerMspId: string, meterId: string, interval: string): Promise<PrivateReading | undefined> {
    return this.state.getPrivate<PrivateReading>(retailerCollection(retailerMspId), keys.reading(this.state.stub, meterId, interval));
  }

  async readingsOfMeter(retailerMspId: string, meterId: string): Promise<PrivateReading[]> {
    const [type, attrs] = ranges.readingsOfMeter(meterId);
    return (await this.state.rangePrivate<PrivateReading>(retailerCollection(retailerMspId), type, attrs)).map((e) => e.value);
  }
}
