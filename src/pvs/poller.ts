// Runs a task now and then every interval, measured start to start; never two runs at once.

export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  start(initialDelayMs = 0): void {
    this.stopped = false;
    this.schedule(initialDelayMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), Math.max(0, delayMs));
  }

  private async run(): Promise<void> {
    this.timer = null;
    const started = Date.now();
    try {
      await this.task();
    } catch {
      // The task reports its own failures; a throw must never stop the schedule or escape as a rejection.
    }
    // A run that took longer than the interval (waiting out a back-off) is not followed by one at once:
    // the next run keeps to the interval's beat.
    const elapsed = Math.max(0, Date.now() - started);
    this.schedule(this.intervalMs - (elapsed % this.intervalMs));
  }
}
