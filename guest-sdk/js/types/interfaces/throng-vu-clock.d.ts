declare module 'throng:vu/clock@0.1.0' {
  /**
   * Microseconds since this VU's run started, monotonic.
   */
  export function nowUs(): bigint;
  /**
   * Suspend this VU for `ms` milliseconds. The host sleeps
   * asynchronously: a sleeping VU holds no thread.
   */
  export function sleepMs(ms: bigint): void;
}
