declare module 'throng:vu/metrics@0.1.0' {
  /**
   * Record a named check; returns `passed` so it can be used inline.
   */
  export function check(name: string, passed: boolean): boolean;
  /**
   * Add `value` to the counter `name` (k6's `Counter`): the results show
   * the sum and the sum per second of the run. `value` must be finite
   * and not negative.
   */
  export function addCounter(name: string, value: number, tags: Array<[string, string]>): void;
  /**
   * Set the gauge `name` to `value` (k6's `Gauge`): the results show the
   * last value set, by any VU, and the smallest and largest. `value`
   * must be finite.
   */
  export function setGauge(name: string, value: number, tags: Array<[string, string]>): void;
  /**
   * Count one event of the rate `name` (k6's `Rate`), a hit when `hit`
   * is true: the results show hits, misses and the share of hits.
   */
  export function addRate(name: string, hit: boolean, tags: Array<[string, string]>): void;
  /**
   * Add `value` to the trend `name` (k6's `Trend`): the results show its
   * minimum, mean, percentiles and maximum. Values are kept to 0.001 of
   * their unit (a trend of milliseconds keeps microseconds) with 3
   * significant digits, and must be finite and not negative.
   */
  export function addTrend(name: string, value: number, tags: Array<[string, string]>): void;
  /**
   * Start timing the transaction `name` for this VU: a step of several
   * requests and the waits between them, timed by the host's monotonic
   * clock. Transactions with different names may nest or overlap;
   * starting one that is already open is ignored with a warning.
   */
  export function startTransaction(name: string): void;
  /**
   * End the transaction `name` that this VU started, as a success when
   * `ok` is true: the results show, per name, how many ended, how many
   * failed and the distribution of their durations. Ending one that is
   * not open is ignored with a warning. A transaction still open when
   * the iteration (or `on-start`, `on-stop`) ends is dropped, untimed,
   * and counted as interrupted.
   */
  export function endTransaction(name: string, ok: boolean): void;
}
