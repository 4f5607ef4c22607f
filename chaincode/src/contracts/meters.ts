import { createHash, verify } from 'crypto';
import { Context, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { checkedMul } from '../market';
import { canonicalJson } from '../ledger/canonical';
import { alreadyExists, ChaincodeError, conflict, invalidArgument, marketRule, notFound } from '../ledger/errors';
import { emitEvent } from '../ledger/events';
import type { HouseholdRecord, MarketConfig, MeterRecord, MeterTerms, PrivateReading } from '../ledger/model';
import { transientJson } from '../ledger/privateData';
import type { Ledger } from '../ledger/repositories';
import { txInfo } from '../ledger/state';
import { requireReadHousehold, requireUtility } from './access';
import { GridshareContract } from './base';
import { newReadingsBatch, newRegisterMeterRequest, type ReadingInput } from './requests';
import { identifier, intervalBound, intervalStartSeconds } from './validate';

/** Most Wh a power of `watts` can move in one interval. */
export function capacityWh(watts: number, intervalSeconds: number): number {
  const wattSeconds = checkedMul(watts, intervalSeconds);
  return (wattSeconds - (wattSeconds % 3600)) / 3600;
}

/** What order placement needs of a meter, as kept in its household's record. */
export function meterTermsOf(meter: MeterRecord): MeterTerms {
  return { zone: meter.zone, exportCapacityW: meter.exportCapacityW, importCapacityW: meter.importCapacityW, retired: meter.retired };
}

/** The exact bytes a meter signs: `meterId|interval|importWh|exportWh`. */
export function readingMessage(r: { meterId: string; interval: string; importWh: number; exportWh: number }): string {
  return `${r.meterId}|${r.interval}|${r.importWh}|${r.exportWh}`;
}

/** Meters (registered by the utility) and their signed interval readings. */
@Info({ title: 'meters', description: 'Meters and signed meter readings' })
export class MetersContract extends GridshareContract {
  constructor() {
    super('meters');
  }

  /**
   * Registers a household's meter with its zone, capacities and ECDSA P-256 public key.
   * @param {string} request JSON {"meterId","householdId","zone","exportCapacityW","importCapacityW","publicKeyPem"}
   */
  @Transaction()
  @Returns('string')
  @Param('request', 'string', 'JSON {"meterId","householdId","zone","exportCapacityW","importCapacityW","publicKeyPem"}')
  async RegisterMeter(ctx: Context, request: string): Promise<string> {
    const input = newRegisterMeterRequest(request);
    const { ledger, caller } = await this.session(ctx);
    requireUtility(caller, 'register meters');
    const household = await ledger.households.get(input.householdId);
    if (await ledger.meters.find(input.meterId)) throw alreadyExists(`meter ${input.meterId} already exists`);
    const meter: MeterRecord = { ...input, retired: false };
    await ledger.meters.put(meter);
    await ledger.households.put({
      ...household,
      meters: [...household.meters, meter.meterId],
      meterTerms: { ...household.meterTerms, [meter.meterId]: meterTermsOf(meter) },
    });
    emitEvent(ctx.stub, 'MeterRegistered', { meterId: meter.meterId, householdId: meter.householdId, zone: meter.zone });
    return canonicalJson(meter);
  }

  /**
   * Retires a meter: no more orders for it, and no readings of intervals that start at or after
   * the retirement (the transaction time, recorded as `retiredAt`).
   */
  @Transaction()
  @Returns('string')
  @Param('meterId', 'string', 'meter ID')
  async RetireMeter(ctx: Context, meterId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    requireUtility(caller, 'retire meters');
    const meter = await ledger.meters.get(identifier(meterId, 'meterId'));
    if (meter.retired) throw conflict(`meter ${meter.meterId} is already retired`);
    const retired: MeterRecord = { ...meter, retired: true, retiredAt: txInfo(ctx.stub).time };
    await ledger.meters.put(retired);
    // The household's copy of the meter's terms retires with it (orders read only that copy).
    const household = await ledger.households.get(meter.householdId);
    await ledger.households.put({ ...household, meterTerms: { ...household.meterTerms, [meter.meterId]: meterTermsOf(retired) } });
    emitEvent(ctx.stub, 'MeterRetired', { meterId: meter.meterId, householdId: meter.householdId });
    return canonicalJson(retired);
  }

  /** A meter's public record. */
  @Transaction(false)
  @Returns('string')
  @Param('meterId', 'string', 'meter ID')
  async GetMeter(ctx: Context, meterId: string): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    const meter = await ledger.meters.get(identifier(meterId, 'meterId'));
    requireReadHousehold(caller, await ledger.households.get(meter.householdId), 'meters');
    return canonicalJson(meter);
  }

  /**
   * Stores signed readings from transient `readings`: all or nothing, the first bad one named.
   * Each comes with a secret salt; raw values and salt go to the household retailer's private
   * collection, public state keeps the salted hash.
   */
  @Transaction()
  @Returns('string')
  async SubmitReadings(ctx: Context): Promise<string> {
    const { ledger, caller } = await this.session(ctx);
    requireUtility(caller, 'submit meter readings');
    const config = await ledger.config.market();
    const batch = newReadingsBatch(transientJson(ctx.stub, 'readings'), config.intervalSeconds);
    const txSeconds = txInfo(ctx.stub).seconds;
    const accepted: { reading: PrivateReading; retailer: string; hash: string }[] = [];
    const seen = new Set<string>();
    const meters = new Map<string, MeterRecord>();
    const households = new Map<string, HouseholdRecord>();
    const settled = new Map<string, boolean>();
    for (const [index, input] of batch.entries()) {
      const label = `readings[${index}] (meter ${input.meterId}, interval ${input.interval})`;
      try {
        const meter = await this.#meter(ledger, meters, input.meterId);
        this.#checkReading(input, meter, config, txSeconds);
        if (await this.#isSettled(ledger, settled, input.interval)) {
          // Settlement has applied the interval's readings (a missing one as zero): a late one would never count.
          throw conflict(`interval ${input.interval} is already settled`);
        }
        const slot = `${input.meterId}|${input.interval}`;
        if (seen.has(slot) || (await ledger.meters.findReadingHash(input.meterId, input.interval))) {
          throw alreadyExists('a reading for this meter and interval already exists');
        }
        seen.add(slot);
        let household = households.get(meter.householdId);
        if (!household) {
          household = await ledger.households.get(meter.householdId);
          households.set(household.householdId, household);
        }
        accepted.push({ reading: input, retailer: household.retailer, hash: readingHashOf(input) });
      } catch (err) {
        if (err instanceof ChaincodeError) throw new ChaincodeError(err.code, `${label}: ${err.message.slice(err.code.length + 2)}`);
        throw err;
      }
    }
    for (const { reading, retailer, hash } of accepted) await ledger.meters.putReading(retailer, reading, hash);
    const intervals = [...new Set(batch.map((r) => r.interval))].sort();
    emitEvent(ctx.stub, 'ReadingsSubmitted', { accepted: accepted.length, intervals, meterIds: [...new Set(batch.map((r) => r.meterId))].sort() });
    return canonicalJson({ accepted: accepted.length });
  }

  /** Readings of one meter between two interval names (inclusive; "" = unbounded). */
  @Transaction(false)
  @Returns('string')
  @Param('meterId', 'string', 'meter ID')
  @Param('from', 'string', 'first interval, or ""')
  @Param('to', 'string', 'last interval, or ""')
  async GetReadings(ctx: Context, meterId: string, from: string, to: string): Promise<string> {
    const fromBound = intervalBound(from, 'from');
    const toBound = intervalBound(to, 'to');
    const { ledger, caller } = await this.session(ctx);
    const meter = await ledger.meters.get(identifier(meterId, 'meterId'));
    const household = await ledger.households.get(meter.householdId);
    requireReadHousehold(caller, household, 'meter readings');
    const readings = (await ledger.meters.readingsOfMeter(household.retailer, meter.meterId))
      .filter((r) => (fromBound === '' || r.interval >= fromBound) && (toBound === '' || r.interval <= toBound))
      .map((r) => ({ meterId: r.meterId, interval: r.interval, importWh: r.importWh, exportWh: r.exportWh }));
    return canonicalJson({ readings });
  }

  async #meter(ledger: Ledger, cache: Map<string, MeterRecord>, meterId: string): Promise<MeterRecord> {
    const cached = cache.get(meterId);
    if (cached) return cached;
    const meter = await ledger.meters.find(meterId);
    if (!meter) throw notFound('unknown meter');
    cache.set(meterId, meter);
    return meter;
  }

  /** Whether the interval is SETTLED: its record read once per call, however many readings name it. */
  async #isSettled(ledger: Ledger, cache: Map<string, boolean>, interval: string): Promise<boolean> {
    let settled = cache.get(interval);
    if (settled === undefined) {
      settled = (await ledger.intervals.get(interval)).status === 'SETTLED';
      cache.set(interval, settled);
    }
    return settled;
  }

  #checkReading(input: ReadingInput, meter: MeterRecord, config: MarketConfig, txSeconds: number): void {
    // What a meter measured before its retirement is still owed to (or by) its household.
    if (meter.retired && !(meter.retiredAt !== undefined && startsBefore(input.interval, meter.retiredAt))) {
      throw marketRule('the meter is retired');
    }
    const end = intervalStartSeconds(input.interval) + config.intervalSeconds;
    if (config.clock === 'wall' && txSeconds < end) throw marketRule('the interval has not ended yet');
    const maxImport = capacityWh(meter.importCapacityW, config.intervalSeconds);
    const maxExport = capacityWh(meter.exportCapacityW, config.intervalSeconds);
    if (input.importWh > maxImport) throw invalidArgument(`importWh ${input.importWh} exceeds the meter's ${maxImport} Wh per interval`);
    if (input.exportWh > maxExport) throw invalidArgument(`exportWh ${input.exportWh} exceeds the meter's ${maxExport} Wh per interval`);
    let valid = false;
    try {
      valid = verify('sha256', Buffer.from(readingMessage(input)), meter.publicKeyPem, Buffer.from(input.signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) throw invalidArgument('the signature does not verify with the meter key');
  }
}

/**
 * Whether the interval starts strictly before `time` (fixed-width ISO-8601 with nanoseconds): both
 * written out the same way, string order is time order, to the nanosecond.
 */
function startsBefore(interval: string, time: string): boolean {
  return `${interval.slice(0, 19)}.000000000Z` < time;
}

/**
 * A reading's public hash: SHA-256 of the canonical private record, salt included. The salt is
 * secret (transient in, private collection only): with a salt from the block, such as the
 * transaction ID, anyone on the channel could try every plausible importWh/exportWh against it.
 */
export function readingHashOf(reading: PrivateReading): string {
  return createHash('sha256').update(canonicalJson(reading)).digest('hex');
}
