declare module 'throng:vu/log@0.1.0' {
  /**
   * Write one message.
   */
  export function write(level: Level, message: string): void;
  /**
   * How much a message matters.
   * # Variants
   * 
   * ## `"debug"`
   * 
   * Fine detail.
   * ## `"info"`
   * 
   * Normal progress.
   * ## `"warn"`
   * 
   * Something looks wrong.
   * ## `"error"`
   * 
   * Something failed.
   */
  export type Level = 'debug' | 'info' | 'warn' | 'error';
}
