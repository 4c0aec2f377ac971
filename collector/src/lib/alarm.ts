/** A sleep that another part of the program can cut short: a loop waits on it, and new work wakes it. */
export class Alarm {
  private ring: (() => void) | undefined;

  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.ring = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.ring = undefined;
  }

  /** Ends the current sleep, if any. */
  wake(): void {
    this.ring?.();
  }
}
