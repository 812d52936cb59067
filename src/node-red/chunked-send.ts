// Sending many messages without stalling the runtime: a chunk at a time, with a turn of the event loop in
// between, so that other flows keep running while a 1,000-inverter site goes out. Shared by the nodes that
// send one message per device or per metric (pvs-inverter-split, pvs-device-list's MQTT outputs).

/** Messages sent per event-loop turn. */
export const CHUNK_SIZE = 50;

/**
 * Runs chunked sends and can stop them all (on close). Items come from any iterable and are read lazily, a
 * chunk at a time, so a generator that builds messages spreads its work over the turns too. Every item is
 * read before the first is sent: a send is all or nothing, so that a join downstream never waits for parts
 * that will not come.
 */
export class ChunkedSender {
  /** Turns still to come, each with how to finish its send when cancelled. */
  private readonly pending = new Map<NodeJS.Immediate, () => void>();

  constructor(private readonly size = CHUNK_SIZE) {}

  /**
   * Reads `items` `size` at a time, each chunk on a later turn of the event loop; once all are read, hands
   * them to `sendChunk` `size` at a time in the same way (a send of at most `size` items happens at once).
   * Resolves to the number of items sent: all of them, or fewer when cancelled (none while still reading).
   * Rejects when reading the items throws (nothing is sent) or when `sendChunk` throws (the rest is not sent).
   */
  send<T>(items: Iterable<T>, sendChunk: (chunk: T[]) => void): Promise<number> {
    const iterator = items[Symbol.iterator]();
    const built: T[] = [];
    let reading = true;
    let sent = 0;
    return new Promise<number>((resolve, reject) => {
      const step = () => {
        try {
          if (reading) {
            let read = 0;
            while (read < this.size) {
              const next = iterator.next();
              if (next.done) {
                reading = false;
                break;
              }
              built.push(next.value);
              read++;
            }
          }
          if (!reading) {
            const chunk = built.slice(sent, sent + this.size);
            if (chunk.length > 0) {
              sendChunk(chunk);
              sent += chunk.length;
            }
            if (sent >= built.length) {
              resolve(sent);
              return;
            }
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
          if (reading) iterator.return?.();
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
