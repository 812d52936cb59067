// What the client remembers of its requests, one record per request key: when it last started (the DeviceList
// ration counts from there) and its last answer with when that request started (a "poll now" within the ration
// gets it, and timer polls of one beat share it). One memory serves both, so an answer is kept once.
import { JsonObject } from "../../model/safe-object";

interface Record {
  /** When this request last started, answered or not. */
  startedAt: number;
  answer: JsonObject | null;
  /** When the request that gave `answer` started. */
  answerStartedAt: number;
  /** A rationed request (the DeviceList): never evicted, its start times the ration. */
  rationed: boolean;
}

/** Bound of the other records kept (a command node's parameters could make many keys); the oldest goes first. */
const MAX_OTHER_RECORDS = 32;

export class AnswerMemory {
  private readonly records = new Map<string, Record>();

  /** A request is starting now. */
  started(key: string, rationed: boolean, now = Date.now()): void {
    const record = this.records.get(key);
    if (record) record.startedAt = now;
    else this.put(key, { startedAt: now, answer: null, answerStartedAt: 0, rationed });
  }

  /** The request that started at `startedAt` was answered. */
  answered(key: string, rationed: boolean, startedAt: number, answer: JsonObject): void {
    // Re-inserted, so that the map's order is the order of use for eviction.
    const lastStart = Math.max(startedAt, this.records.get(key)?.startedAt ?? 0);
    this.records.delete(key);
    this.put(key, { startedAt: lastStart, answer, answerStartedAt: startedAt, rationed });
  }

  /** When `key` last started; null when it never did. */
  lastStart(key: string): number | null {
    return this.records.get(key)?.startedAt ?? null;
  }

  /** The last answer of `key` if its request started within the last `withinMs`. */
  recent(key: string, withinMs: number, now = Date.now()): JsonObject | null {
    const record = this.records.get(key);
    return record?.answer && now - record.answerStartedAt <= withinMs ? record.answer : null;
  }

  private put(key: string, record: Record): void {
    if (!record.rationed) {
      const others = [...this.records].filter(([, r]) => !r.rationed);
      if (others.length >= MAX_OTHER_RECORDS) this.records.delete(others[0][0]);
    }
    this.records.set(key, record);
  }
}
