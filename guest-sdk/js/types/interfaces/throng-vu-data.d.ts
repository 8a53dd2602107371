declare module 'throng:vu/data@0.1.0' {
  /**
   * Number of rows in `set`; none when the plan has no such set.
   */
  export function len(set: string): bigint | undefined;
  /**
   * The row of `set` at `index` (from 0), whatever the set's strategy;
   * none when there is no such set or no such row.
   */
  export function rowAt(set: string, index: bigint): Row | undefined;
  /**
   * The next row of `set` for this VU, as the plan's strategy for that
   * set decides: `sequential-unique` hands each row out exactly once
   * across all VUs, `random` draws uniformly from this VU's own seeded
   * generator, and `round-robin` starts VU k at row (k-1) mod len and
   * advances one row per call, wrapping around.
   */
  export function next(set: string): Row;
  /**
   * One row of a data set. `columns` and `values` have the same length
   * and the same order: `values[i]` is the value of column `columns[i]`.
   */
  export interface Row {
    /**
     * Position of this row in its set, from 0 (what `row-at` takes).
     */
    index: bigint,
    /**
     * The set's column names (the CSV header, the JSON keys, or
     * `value` for a JSON array of strings).
     */
    columns: Array<string>,
    /**
     * This row's values, in column order.
     */
    values: Array<string>,
  }
  /**
   * Why `next` gave no row. Each case carries the set's name.
   */
  export type DataError = DataErrorUnknownSet | DataErrorExhausted;
  /**
   * The plan declares no data set by this name.
   */
  export interface DataErrorUnknownSet {
    tag: 'unknown-set',
    val: string,
  }
  /**
   * The set's strategy is `sequential-unique` and every row has been
   * handed out once, across all VUs.
   */
  export interface DataErrorExhausted {
    tag: 'exhausted',
    val: string,
  }
}
