// Sending many messages without stalling the runtime: a chunk at a time, with a turn of the event loop in
// between, so that other flows keep running while a 1,000-inverter site goes out. Shared by the nodes that
// send one message per device or per metric (pvs-inverter-split, pvs-device-list's MQTT outputs).

/** Messages sent per event-loop turn. */
export const CHUNK_SIZE = 50;

/**
 * Runs chunked sends and can stop them all (on close). Items come from any iterable and are read lazily, a
 * chunk at a time, so a generator that builds messages spreads its work over the turns too.
 */
export class ChunkedSender {
  /** Turns still to come, each with how to finish its send when cancelled. */
  private readonly pending = new Map<NodeJS.Immediate, () => void>();

  constructor(private readonly size = CHUNK_SIZE) {}

  /**
   * Hands `items` to `sendChunk` `size` at a time: the first chunk at once, the next ones each on a later turn
   * of the event loop. Resolves to the number of items sent: all of them, or fewer when cancelled. Rejects
   * when reading the items or `sendChunk` throws (the rest is not sent).
   */
  send<T>(items: Iterable<T>, sendChunk: (chunk: T[]) => void): Promise<number> {
    const iterator = items[Symbol.iterator]();
    let sent = 0;
    return new Promise<number>((resolve, reject) => {
      const step = () => {
        try {
          const chunk: T[] = [];
          let next = iterator.next();
          while (!next.done) {
            chunk.push(next.value);
            if (chunk.length === this.size) break;
            next = iterator.next();
          }
          if (chunk.length > 0) {
            sendChunk(chunk);
            sent += chunk.length;
          }
          if (next.done) {
            resolve(sent);
            return;
          }
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const handle = setImmediate(() => {
          this.pending.delete(handle);
          step();
        });
        this.pending.set(handle, () => {
          iterator.return?.();
          resolve(sent);
        });
      };
      step();
    });
  }

  /** Sends in progress. */
  get active(): number {
    return this.pending.size;
  }

  /** Stops every send in progress; each resolves with what it had sent. */
  cancel(): void {
    for (const [handle, finish] of this.pending) {
      clearImmediate(handle);
      finish();
    }
    this.pending.clear();
  }
}
