import { type LocalTimeSchedule } from '../../definition/local-time-schedule.js';
import { isTimeZone } from '../../definition/time-zones.js';
import { type ZoneGroups } from '../../definition/zone-groups.js';

/** Whether a tenant of a local-time job runs at this instant, by its zone. */
export type ZoneVerdict = 'due' | 'not-due' | 'unknown-zone';

/**
 * The zones a local-time job is due in at one instant (one of its occurrences), and the verdict for each tenant's
 * zone: made once per run, then a map lookup per tenant (each distinct zone name is placed once).
 */
export class DueZones {
  /** Every name of every zone due now, for `listTenants` to filter by. */
  readonly timeZones: string[];
  /** Whether the zone of tenants that name none is due now. */
  readonly fallbackDue: boolean;
  private readonly dueGroups: Set<number>;
  private readonly groups: ZoneGroups;
  private readonly verdicts = new Map<string, ZoneVerdict>();

  constructor(
    schedule: LocalTimeSchedule,
    occurrence: Date,
    private readonly fallbackZone: string,
  ) {
    this.groups = schedule.groupsAt(occurrence);
    this.dueGroups = schedule.dueGroups(occurrence);
    this.timeZones = [...this.dueGroups].flatMap((index) => this.groups.groups[index].zones).sort();
    this.fallbackDue = this.verdict(undefined) === 'due';
  }

  /** The verdict for a tenant in `zone` (`undefined`: the fallback zone). */
  verdict(zone: string | undefined): ZoneVerdict {
    const name = zone ?? this.fallbackZone;
    let verdict = this.verdicts.get(name);
    if (verdict === undefined) {
      verdict = !isTimeZone(name) ? 'unknown-zone' : this.dueGroups.has(this.groups.groupOf(name)) ? 'due' : 'not-due';
      this.verdicts.set(name, verdict);
    }
    return verdict;
  }
}
