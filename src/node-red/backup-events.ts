// The backup event pvs-live and pvs-device-list send: one message with the topic `pvs/backup` on their second output
// when a SunVault site goes on its battery, comes back to the grid, or its transfer switch says something unknown;
// and the status that says so meanwhile ("on battery · 3 h 10 min left").
import { NodeMessage, NodeStatus } from "node-red";
import { BackupStatus, BackupTracker, minutesText } from "../model/backup-state";
import { clock, Translate } from "./status";

/** The topic a flow switches on. */
export const BACKUP_TOPIC = "pvs/backup";

export class BackupEvents {
  private readonly tracker = new BackupTracker();
  private minutes: number | null = null;

  /** The message for a status read now, or null when the state did not change. */
  offer(status: BackupStatus | null, extra: Record<string, unknown> = {}): NodeMessage | null {
    if (status) this.minutes = status.backupMinutes;
    const event = this.tracker.update(status, Date.now());
    return event ? ({ ...extra, topic: BACKUP_TOPIC, payload: event } as NodeMessage) : null;
  }

  /** The status while the site is not plainly on the grid, else null (the node shows its own). */
  status(t: Translate): NodeStatus | null {
    const current = this.tracker.current;
    if (!current || current.state === "on-grid") return null;
    if (current.state === "unknown")
      return { fill: "yellow", shape: "ring", text: `${t("status.backupUnknown")} · ${clock()}` };
    const text =
      this.minutes === null ? t("status.onBattery") : t("status.batteryLeft", { time: minutesText(this.minutes) });
    return { fill: "yellow", shape: "dot", text: `${text} · ${clock()}` };
  }
}
