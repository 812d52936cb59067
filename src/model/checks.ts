// Findings about the data that a user or an installer should hear about: carried in every output that
// they apply to (`payload.checks`); warnings are also logged by the node once per `key`, not on every poll.
import { Unknowns } from "./legacy-device-list";
import { CounterEvent, MissingDevice } from "./site-memory";

export interface Check {
  /** Stable code for flows to switch on, e.g. CT_NET_NEVER_EXPORTS, COUNTER_RESET. */
  code: string;
  /**
   * warning: logged once per key; error: part of the answer could not be used as sent (a device listed
   * twice…): reported once per key to Catch nodes with `code`, while the rest of the reading still goes out.
   */
  level: "error" | "warning" | "info";
  /** The same key is logged once per node; a new key (new fields, a new event) is logged again. */
  key: string;
  message: string;
  details?: { [name: string]: unknown };
}

const list = (names: string[], max = 12) =>
  names.length > max ? `${names.slice(0, max).join(", ")} and ${names.length - max} more` : names.join(", ");

export function unknownChecks(unknowns: Unknowns): Check[] {
  const checks: Check[] = [];
  const types = Object.keys(unknowns.deviceTypes).sort();
  if (types.length > 0) {
    const count = types.reduce((n, t) => n + unknowns.deviceTypes[t], 0);
    checks.push({
      code: "UNKNOWN_DEVICE_TYPE",
      level: "warning",
      key: `UNKNOWN_DEVICE_TYPE:${types.join("|")}`,
      message: `The PVS reported ${count} device${count === 1 ? "" : "s"} of a type this package does not know (${list(types)}); they are carried as reported, with category "unknown".`,
      details: { deviceTypes: { ...unknowns.deviceTypes } },
    });
  }
  const fields = Object.keys(unknowns.fields).sort();
  if (fields.length > 0) {
    checks.push({
      code: "UNKNOWN_FIELDS",
      level: "warning",
      key: `UNKNOWN_FIELDS:${fields.join("|")}`,
      message: `The PVS reported ${fields.length} field${fields.length === 1 ? "" : "s"} this package does not know (${list(fields)}); they are carried as reported.`,
      details: { fields: { ...unknowns.fields } },
    });
  }
  return checks;
}

/** Devices the PVS listed twice, or without a serial. */
export function identityChecks(duplicates: string[], withoutSerial: number): Check[] {
  const checks: Check[] = [];
  if (duplicates.length > 0) {
    checks.push({
      code: "DUPLICATE_SERIAL",
      level: "error",
      key: `DUPLICATE_SERIAL:${duplicates.join("|")}`,
      message: `The PVS listed ${list(duplicates)} more than once; each is counted once (the entry with the newest data).`,
      details: { serials: [...duplicates] },
    });
  }
  if (withoutSerial > 0) {
    checks.push({
      code: "DEVICE_WITHOUT_SERIAL",
      level: "error",
      key: `DEVICE_WITHOUT_SERIAL:${withoutSerial}`,
      message: `The PVS listed ${withoutSerial} device${withoutSerial === 1 ? "" : "s"} without a serial; ${withoutSerial === 1 ? "it is" : "they are"} carried with serial null but cannot be followed from one poll to the next.`,
      details: { count: withoutSerial },
    });
  }
  return checks;
}

const WHAT: Record<CounterEvent["reason"], string> = {
  reset: "dropped to about zero",
  rollback: "went backwards",
  jump: "rose faster than the device can produce",
  zero: "read 0",
};

export function counterChecks(events: CounterEvent[], time: string | null): Check[] {
  return events.map((e) =>
    e.reason === "zero"
      ? {
          code: "COUNTER_ZERO",
          level: "warning" as const,
          // Logged once per counter, not on every poll that reads 0; the check stays in the payload while it does.
          key: `COUNTER_ZERO:${e.serial}:${e.field}`,
          message: `The lifetime counter ${e.field} of ${e.serial} read 0 after ${e.previous}: a glitch of the PVS, not a reset. Holding ${e.previous}; sums and today's energy do not jump.`,
          details: {
            serial: e.serial,
            field: e.field,
            reason: e.reason,
            previous: e.previous,
            current: e.current,
            accepted: false,
          },
        }
      : counterCheck(e, time),
  );
}

function counterCheck(e: CounterEvent, time: string | null): Check {
  return {
    code: `COUNTER_${e.reason.toUpperCase()}`,
    level: "warning" as const,
    key: `COUNTER:${e.serial}:${e.field}:${e.reason}:${e.accepted}:${time}`,
    message: e.accepted
      ? `The lifetime counter ${e.field} of ${e.serial} stayed at ${e.current} after it ${WHAT[e.reason]} from ${e.previous}: accepted as its new base (no energy was counted across the step).`
      : `The lifetime counter ${e.field} of ${e.serial} ${WHAT[e.reason]}: ${e.previous} → ${e.current}. Holding ${e.previous} until the counter reads consistently again; sums and today's energy do not jump.`,
    details: {
      serial: e.serial,
      field: e.field,
      reason: e.reason,
      previous: e.previous,
      current: e.current,
      accepted: e.accepted,
    },
  };
}

export function missingChecks(missing: MissingDevice[]): Check[] {
  if (missing.length === 0) return [];
  const serials = missing.map((m) => m.serial).sort();
  return [
    {
      code: "DEVICES_MISSING",
      level: "info",
      key: `DEVICES_MISSING:${serials.join("|")}`,
      message: `${missing.length} device${missing.length === 1 ? "" : "s"} seen before ${missing.length === 1 ? "is" : "are"} not in this answer (${list(serials)}); normal at night and after a PVS restart. Their last lifetime counters are kept in the sums.`,
      details: { serials },
    },
  ];
}
