import { FAULT_KINDS, type FaultKind } from '../config';

/** The command line of `npm run chaos -- …`. */
export interface ChaosArgs {
  minutes: number;
  /** Undefined: the runner draws one and prints it, so the run can be repeated. */
  seed?: number;
  store: string;
  json: boolean;
  persistence: boolean;
  /** The kinds of fault to inject; all by default. */
  faults: FaultKind[];
  /** Write the summary into the chaos section of BENCHMARKS.md (of a run made, or judged with `check`). */
  update: boolean;
  /** Judge the history recorded in this run directory again instead of running. */
  check?: string;
  help: boolean;
}

export const USAGE = `npm run chaos -- [--minutes N] [--seed N] [--store redis|postgres] [--json] [--no-persistence]
                     [--faults LIST] [--update] [--check DIR]

  --minutes N       minutes of fault injection (default 2; decimals allowed), plus about 30 s of start and settle
  --seed N          the seed of the fault schedule (default: drawn and printed)
  --store NAME      the store under test: redis or postgres (a server of the run's own either way)
  --json            print the figures as one JSON object on the last line
  --no-persistence  Redis without AOF, so a restart forgets everything (PostgreSQL always keeps its commits)
  --faults LIST     only these kinds of fault, comma-separated (default all: ${FAULT_KINDS.join(',')})
  --update          write the summary into BENCHMARKS.md (the run's store's part of its "Chaos runs" section);
                    with --check, the summary of the run judged
  --check DIR       judge the history recorded in DIR (a chaos/.runs/… folder) again, without running`;

export type ParsedArgs = { ok: true; args: ChaosArgs } | { ok: false; error: string };

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const args: ChaosArgs = {
    minutes: 2,
    store: 'redis',
    json: false,
    persistence: true,
    faults: [...FAULT_KINDS],
    update: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--minutes': {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0 || n > 600)
          return { ok: false, error: '--minutes takes a number of minutes above 0 (at most 600)' };
        args.minutes = n;
        break;
      }
      case '--seed': {
        const n = Number(value());
        if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff)
          return { ok: false, error: '--seed takes a whole number from 0 to 4294967295' };
        args.seed = n;
        break;
      }
      case '--store': {
        const name = value();
        if (!name) return { ok: false, error: '--store takes a store name: redis or postgres' };
        args.store = name;
        break;
      }
      case '--check': {
        const dir = value();
        if (!dir) return { ok: false, error: '--check takes the run directory to judge' };
        args.check = dir;
        break;
      }
      case '--faults': {
        const kinds = (value() ?? '').split(',').filter(Boolean);
        const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
        if (kinds.length === 0 || unknown.length > 0) {
          return { ok: false, error: `--faults takes a comma-separated list of ${FAULT_KINDS.join(', ')}` };
        }
        args.faults = kinds as FaultKind[];
        break;
      }
      case '--json':
        args.json = true;
        break;
      case '--update':
        args.update = true;
        break;
      case '--no-persistence':
        args.persistence = false;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        return { ok: false, error: `unknown argument "${flag}"` };
    }
  }
  return { ok: true, args };
}
