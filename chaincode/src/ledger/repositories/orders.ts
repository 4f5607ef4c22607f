/** Orders under order~(interval, orderId), with two small indexes written once at placement. */
import { keys, ranges } from '../keys';
import type { OrderRecord } from '../model';
import { notFound } from '../errors';
import type { StateStore } from '../state';

interface OrderPointer {
  interval: string;
}

export class OrderRepository {
  constructor(private readonly state: StateStore) {}

  /** Where an order lives, from its ID alone; undefined if never placed. */
  async findInterval(orderId: string): Promise<string | undefined> {
    return (await this.state.get<OrderPointer>(keys.orderById(this.state.stub, orderId)))?.interval;
  }

  async find(orderId: string): Promise<OrderRecord | undefined> {
    const interval = await this.findInterval(orderId);
    if (interval === undefined) return undefined;
    return this.state.get<OrderRecord>(keys.order(this.state.stub, interval, orderId));
  }

  async get(orderId: string): Promise<OrderRecord> {
    const found = await this.find(orderId);
    if (!found) throw notFound(`order ${orderId} does not exist`);
    return found;
  }

  /** A new order: its record and both indexes, all keys unique to this order. */
  async insert(order: OrderRecord): Promise<void> {
    const stub = this.state.stub;
    await this.state.put(keys.order(stub, order.interval, order.orderId), order);
    await this.state.put(keys.orderById(stub, order.orderId), { interval: order.interval } satisfies OrderPointer);
    await this.state.put(keys.householdOrder(stub, order.householdId, order.interval, order.orderId), { interval: order.interval });
  }

  async update(order: OrderRecord): Promise<void> {
    await this.state.put(keys.order(this.state.stub, order.interval, order.orderId), order);
  }

  /** Every order (read-only callers). */
  async all(): Promise<OrderRecord[]> {
    return (await this.state.range<OrderRecord>(...ranges.allOrders())).map((e) => e.value);
  }

  /** Every order of an interval in one range read. */
  async ofInterval(interval: string): Promise<OrderRecord[]> {
    const [type, attrs] = ranges.ordersOfInterval(interval);
    return (await this.state.range<OrderRecord>(type, attrs)).map((e) => e.value);
  }

  /** (interval, orderId) of every order a household placed, oldest interval first. */
  async refsOfHousehold(householdId: string): Promise<{ interval: string; orderId: string }[]> {
    const [type, attrs] = ranges.ordersOfHousehold(householdId);
    return (await this.state.range<OrderPointer>(type, attrs)).map((e) => ({
      interval: e.attributes[1] ?? '',
      orderId: e.attributes[2] ?? '',
    }));
  }

  async ofHousehold(householdId: string, interval?: string): Promise<OrderRecord[]> {
    const refs = (await this.refsOfHousehold(householdId)).filter((r) => interval === undefined || r.interval === interval);
    const out: OrderRecord[] = [];
    for (const ref of refs) {
      const order = await this.state.get<OrderRecord>(keys.order(this.state.stub, ref.interval, ref.orderId));
      if (order) out.push(order);
    }
    return out;
  }
}
