// A robust "usual" of a series (a PVS's answer times): the median of the last values, so that a few slow answers
// or a single hang do not move it, as an average would.

export class RunningMedian {
  private readonly values: number[] = [];

  constructor(private readonly size = 63) {}

  add(value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.values.push(value);
    if (this.values.length > this.size) this.values.shift();
  }

  get count(): number {
    return this.values.length;
  }

  /** The median of the values held; null while there are none. */
  median(): number | null {
    if (this.values.length === 0) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  clear(): void {
    this.values.length = 0;
  }
}
