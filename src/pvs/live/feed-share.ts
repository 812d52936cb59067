// One live feed per PVS, shared and refcounted like Node-RED's MQTT broker node: opened by the first pvs-live
// node that subscribes, closed when the last one leaves, so two nodes never open two sockets.
import { FeedOptions, LiveAccess, LiveFeed, Subscription } from "./feed";

export class LiveFeedShare {
  private feed: LiveFeed | null = null;

  constructor(
    private readonly access: LiveAccess,
    private readonly options?: FeedOptions,
  ) {}

  /**
   * Joins the live feed, starting it on the first subscriber; the returned function leaves it (closing it when last).
   */
  subscribe(sub: Subscription): () => void {
    const feed = (this.feed ??= new LiveFeed(this.access, this.options));
    const leave = feed.subscribe(sub);
    return () => {
      leave();
      if (feed.subscriberCount === 0) {
        feed.close();
        if (this.feed === feed) this.feed = null;
      }
    };
  }

  /** The live feed while it runs: null when nobody subscribes. */
  get current(): LiveFeed | null {
    return this.feed;
  }

  close(): void {
    this.feed?.close();
    this.feed = null;
  }
}
