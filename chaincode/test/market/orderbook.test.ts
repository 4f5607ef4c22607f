import { aggregateOrderBook } from '../../src/market';
import { bid, offer } from './fixtures';

describe('aggregateOrderBook', () => {
  it('sums Wh per price level, bids descending and offers ascending', () => {
    const book = aggregateOrderBook([
      bid(100, 2000),
      bid(50, 2500),
      bid(25, 2000),
      offer(300, 1800),
      offer(10, 1200),
      offer(5, 1800),
    ]);
    expect(book).toEqual({
      bids: [
        { price: 2500, energyWh: 50 },
        { price: 2000, energyWh: 125 },
      ],
      offers: [
        { price: 1200, energyWh: 10 },
        { price: 1800, energyWh: 305 },
      ],
    });
  });

  it('is empty without orders', () => {
    expect(aggregateOrderBook([])).toEqual({ bids: [], offers: [] });
  });
});
