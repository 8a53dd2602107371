declare module 'throng:vu/context@0.1.0' {
  /**
   * This VU's number, from 1, unique within the run.
   */
  export function vuId(): number;
  /**
   * This VU's iteration number, from 0; during `on-start` it is 0.
   */
  export function iteration(): bigint;
  /**
   * Name of the scenario this VU belongs to.
   */
  export function scenario(): string;
  /**
   * A plan parameter (`[params]` in the plan, `--param key=value`).
   */
  export function param(key: string): string | undefined;
  /**
   * A random number from this VU's own generator, seeded by the host.
   */
  export function random(): bigint;
}
