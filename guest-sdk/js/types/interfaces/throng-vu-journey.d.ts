declare module 'throng:vu/journey@0.1.0' {
  /**
   * The tasks this journey offers. An empty list means one task, `default`.
   */
  export function tasks(): Array<TaskInfo>;
  /**
   * Called once per VU before its first iteration (log in, fetch a token).
   * An error fails the VU's start and is counted.
   */
  export function onStart(): void;
  /**
   * One pass of the journey running `task`. An error fails the iteration.
   */
  export function iteration(task: string): void;
  /**
   * Called once per VU after its last iteration.
   */
  export function onStop(): void;
  /**
   * One named task and its default weight.
   */
  export interface TaskInfo {
    /**
     * The task's name, passed back to `iteration`.
     */
    name: string,
    /**
     * Relative weight when tasks are drawn at random (0 = never).
     */
    weight: number,
  }
}
