/**
 * Household energy profiles: PV generation (a bell curve over daylight scaled by panel size and the
 * day's weather) and load (base load with morning and evening peaks), forecast per interval, with
 * the metered "actual" deviating a little from the forecast. All figures are integer Wh per interval.
 *
 * Every value is drawn from a stream keyed by (seed, household, interval), so the result does not
 * depend on the order in which a concurrent run asks for it.
 */
import { gaussian, streamFor, uniform, uniformInt, type Random } from './prng';

export interface HouseholdTraits {
  index: number;
  /** Installed PV peak power in W; 0 for households without panels. */
  panelWp: number;
  baseLoadW: number;
  morningPeakW: number;
  morningPeakHour: number;
  eveningPeakW: number;
  eveningPeakHour: number;
  /** Meter capacities, W. */
  exportCapacityW: number;
  importCapacityW: number;
  /** How far into the feed-in..retail spread this household is willing to go (0..1). */
  priceEagerness: number;
}

export interface DayWeather {
  sunriseHour: number;
  sunsetHour: number;
  /** 0..1, share of clear-sky output reaching the panels on average over the day. */
  clearness: number;
}

export interface IntervalEnergy {
  pvWh: number;
  loadWh: number;
}

export interface MeterReadingValues {
  importWh: number;
  exportWh: number;
}

export interface Tariffs {
  feedInTariff: number;
  retailTariff: number;
}

export interface OrderIntent {
  side: 'buy' | 'sell';
  energyWh: number;
  limitPrice: number;
}

/** Share of households with rooftop PV. */
const PV_SHARE = 0.55;
/** Inverter and wiring losses. */
const SYSTEM_EFFICIENCY = 0.85;
/** Relative spread of the metered values around the forecast. */
const PV_FORECAST_ERROR = 0.12;
const LOAD_FORECAST_ERROR = 0.1;
/** Orders smaller than this are not worth placing. */
export const MIN_ORDER_WH = 10;

export function householdTraits(seed: number, index: number): HouseholdTraits {
  const rng = streamFor(seed, 'traits', index);
  const hasPv = rng() < PV_SHARE;
  const panelWp = hasPv ? uniformInt(rng, 6, 20) * 500 : 0; // 3–10 kWp in 0.5 kWp steps
  return {
    index,
    panelWp,
    baseLoadW: uniformInt(rng, 150, 450),
    morningPeakW: uniformInt(rng, 400, 1500),
    morningPeakHour: uniform(rng, 6.5, 8.5),
    eveningPeakW: uniformInt(rng, 800, 2500),
    eveningPeakHour: uniform(rng, 18, 20.5),
    exportCapacityW: Math.max(panelWp, 1000),
    importCapacityW: 12000,
    priceEagerness: uniform(rng, 0.2, 1),
  };
}

export function dayWeather(seed: number, dayIndex: number): DayWeather {
  const rng = streamFor(seed, 'weather', dayIndex);
  return { sunriseHour: 6.5, sunsetHour: 18, clearness: uniform(rng, 0.45, 0.95) };
}

/** Instantaneous clear-sky PV output at a fractional hour of the day, W. */
export function pvPowerW(panelWp: number, hour: number, weather: DayWeather): number {
  if (panelWp === 0 || hour <= weather.sunriseHour || hour >= weather.sunsetHour) return 0;
  const phase = (hour - weather.sunriseHour) / (weather.sunsetHour - weather.sunriseHour);
  return panelWp * SYSTEM_EFFICIENCY * weather.clearness * Math.pow(Math.sin(Math.PI * phase), 1.3);
}

function peak(hour: number, centre: number, widthHours: number): number {
  const d = (hour - centre) / widthHours;
  return Math.exp(-0.5 * d * d);
}

/** Expected household load at a fractional hour of the day, W. */
export function loadPowerW(t: HouseholdTraits, hour: number): number {
  const daytime = hour > 9 && hour < 17 ? 0.25 : 0;
  return (
    t.baseLoadW * (1 + daytime) +
    t.morningPeakW * peak(hour, t.morningPeakHour, 0.8) +
    t.eveningPeakW * peak(hour, t.eveningPeakHour, 1.3)
  );
}

/** Interval-to-interval wobble of a household's expected load (appliances switching). */
const LOAD_NOISE = 0.15;

/**
 * Forecast energy of one interval (evaluated at its mid-point): the PV curve, and the load curve
 * with seeded per-interval noise so that neighbouring intervals differ.
 */
export function forecastInterval(
  t: HouseholdTraits,
  weather: DayWeather,
  startHour: number,
  intervalSeconds: number,
  seed = 0,
  intervalIndex = 0,
): IntervalEnergy {
  const hours = intervalSeconds / 3600;
  const mid = startHour + hours / 2;
  const noise = Math.max(0.3, 1 + LOAD_NOISE * gaussian(streamFor(seed, 'forecast', t.index, intervalIndex)));
  return {
    pvWh: Math.round(pvPowerW(t.panelWp, mid, weather) * hours),
    loadWh: Math.round(loadPowerW(t, mid) * hours * noise),
  };
}

/** The metered energy: the forecast with seeded noise (clouds, appliances). */
export function actualInterval(seed: number, t: HouseholdTraits, intervalIndex: number, forecast: IntervalEnergy): IntervalEnergy {
  const rng = streamFor(seed, 'actual', t.index, intervalIndex);
  const pv = forecast.pvWh * Math.max(0, 1 + PV_FORECAST_ERROR * gaussian(rng));
  const load = forecast.loadWh * Math.max(0.2, 1 + LOAD_FORECAST_ERROR * gaussian(rng));
  return { pvWh: Math.round(pv), loadWh: Math.round(load) };
}

/** Net metering over the interval: the meter sees either import or export. */
export function meterReading(actual: IntervalEnergy): MeterReadingValues {
  const net = actual.pvWh - actual.loadWh;
  return net >= 0 ? { importWh: 0, exportWh: net } : { importWh: -net, exportWh: 0 };
}

/**
 * What a household bids for an interval given its forecast: sell the surplus at a price between
 * feed-in and retail, or buy the deficit. Sellers ask in the lower part of the spread, buyers bid in
 * the upper part, so a market forms. Returns null when the net is too small to trade.
 */
export function decideOrder(
  seed: number,
  t: HouseholdTraits,
  intervalIndex: number,
  forecast: IntervalEnergy,
  tariffs: Tariffs,
  intervalSeconds: number,
): OrderIntent | null {
  const rng: Random = streamFor(seed, 'order', t.index, intervalIndex);
  const spread = tariffs.retailTariff - tariffs.feedInTariff;
  const net = forecast.pvWh - forecast.loadWh;
  if (net >= MIN_ORDER_WH) {
    const maxExportWh = Math.floor((t.exportCapacityW * intervalSeconds) / 3600);
    const energyWh = Math.min(net, maxExportWh);
    const limitPrice = tariffs.feedInTariff + Math.floor(spread * uniform(rng, 0.05, 0.45 + 0.25 * (1 - t.priceEagerness)));
    return { side: 'sell', energyWh, limitPrice: clampPrice(limitPrice, tariffs) };
  }
  if (-net >= MIN_ORDER_WH) {
    const limitPrice = tariffs.feedInTariff + Math.floor(spread * uniform(rng, 0.3 + 0.3 * (1 - t.priceEagerness), 0.98));
    return { side: 'buy', energyWh: -net, limitPrice: clampPrice(limitPrice, tariffs) };
  }
  return null;
}

function clampPrice(price: number, tariffs: Tariffs): number {
  return Math.min(tariffs.retailTariff, Math.max(tariffs.feedInTariff, price));
}
