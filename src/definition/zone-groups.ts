import { TIME_ZONE_ALIASES } from './time-zone-aliases.js';
import { isTimeZone, offsetMs, transitionBetween } from './time-zones.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How far ahead zones are compared: a group holds for this long, then the groups are made again. */
export const ZONE_GROUP_HORIZON_MS = 400 * DAY_MS;
/** Zones are sampled this often to find their clock changes; none changes twice within it. */
const SAMPLE_EVERY_MS = 4 * DAY_MS;

/** Zones whose clocks agree at every instant of the horizon: a local schedule is due at the same instants in each. */
export interface ZoneGroup {
  /** The zone the group's instants are worked out in. */
  representative: string;
  zones: string[];
}

/**
 * Every zone the platform knows (`Intl.supportedValuesOf('timeZone')`), grouped by their clocks over a horizon of
 * `ZONE_GROUP_HORIZON_MS` from `from`: a few dozen groups stand for some four hundred zones, so a local-time schedule
 * is worked out once per group rather than once per zone. A zone not in the list (an alias such as `US/Eastern`) is
 * placed when first asked about.
 */
export class ZoneGroups {
  readonly groups: ZoneGroup[] = [];
  private readonly groupBySignature = new Map<string, number>();
  private readonly groupByZone = new Map<string, number>();

  private constructor(
    readonly from: number,
    readonly until: number,
  ) {}

  static build(from: number, zones: readonly string[] = everyZone()): ZoneGroups {
    const built = new ZoneGroups(from, from + ZONE_GROUP_HORIZON_MS);
    for (const zone of zones) if (!built.groupByZone.has(zone)) built.place(zone);
    return built;
  }

  /** The index of `zone`'s group (placing an alias the first time), in `groups`. */
  groupOf(zone: string): number {
    return this.groupByZone.get(zone) ?? this.place(zone);
  }

  private place(zone: string): number {
    const signature = clockSignature(zone, this.from, this.until);
    let index = this.groupBySignature.get(signature);
    if (index === undefined) {
      index = this.groups.length;
      this.groups.push({ representative: zone, zones: [] });
      this.groupBySignature.set(signature, index);
    }
    this.groups[index].zones.push(zone);
    this.groupByZone.set(zone, index);
    return index;
  }
}

/** Every zone the platform lists, and the other names it knows them by. */
function everyZone(): string[] {
  return [...Intl.supportedValuesOf('timeZone'), ...TIME_ZONE_ALIASES.filter((zone) => isTimeZone(zone))];
}

/** The zone's offset at `from` and every change of it until `until`, as text: equal text, equal clocks. */
export function clockSignature(zone: string, from: number, until: number): string {
  let offset = offsetMs(zone, from);
  const parts = [String(offset)];
  for (let at = from; at < until;) {
    const next = Math.min(at + SAMPLE_EVERY_MS, until);
    const later = offsetMs(zone, next);
    if (later !== offset) {
      const changedAt = transitionBetween(zone, at, next, offset);
      parts.push(`${changedAt}:${offsetMs(zone, changedAt)}`);
      offset = offsetMs(zone, changedAt);
      at = changedAt;
      continue;
    }
    at = next;
  }
  return parts.join(' ');
}
