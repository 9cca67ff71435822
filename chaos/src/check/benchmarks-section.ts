import { type History } from './history';

/** The heading of the chaos runs' section of BENCHMARKS.md; the section runs from it to the end of the file. */
export const HEADING = '## Chaos runs';

const INTRO =
  'The last run written with `npm run chaos -- … --update` per store (`--check <run> --update` writes a recorded ' +
  'one). What each figure counts, and when a run fails, is in [chaos/README.md](chaos/README.md); one run, one ' +
  'seed, not a promise.';

const STORE_TITLES: Readonly<Record<string, string>> = { redis: 'Redis', postgres: 'PostgreSQL' };

/** The heading of one store's part of the section. */
export function storeHeading(store: string): string {
  return `### ${STORE_TITLES[store] ?? store}`;
}

/** The command that makes this run again: its store, minutes, seed, persistence and kinds of fault. */
export function commandOf(h: History): string {
  const off = Object.entries(h.settings.faults.weights).filter(([, weight]) => weight === 0);
  const faults = Object.entries(h.settings.faults.weights)
    .filter(([, weight]) => weight > 0)
    .map(([kind]) => kind);
  return (
    `npm run chaos -- --minutes ${h.minutes} --seed ${h.seed} --store ${h.store}` +
    (h.persistence ? '' : ' --no-persistence') +
    (off.length > 0 ? ` --faults ${faults.join(',')}` : '')
  );
}

/** One store's part of the section: how the run was made (all from its history), and its summary as printed. */
export function storeSubsection(h: History, summary: string, machine: string): string {
  const stopped = h.phases.stopped ?? h.startedAt;
  return [
    storeHeading(h.store),
    '',
    `Command \`${commandOf(h)}\`, run on ${new Date(h.startedAt).toISOString()}; ${Math.round((stopped - h.startedAt) / 1000)} s ` +
      `from the store's start to the fleet's stop, on ${machine}. Store: ${h.storeLabel}. Library: ${h.build}.`,
    '',
    '```',
    summary,
    '```',
    '',
  ].join('\n');
}

/**
 * `markdown` with `subsection` in its chaos section, in place of the part of the same store (or after the others),
 * the section made when the file has none. Parts of other stores stay; anything else in the section is rewritten.
 */
export function withChaosSection(markdown: string, subsection: string): string {
  const at = markdown.search(new RegExp(`^${HEADING}$`, 'm'));
  const head = (at < 0 ? markdown : markdown.slice(0, at)).trimEnd();
  const body = at < 0 ? '' : markdown.slice(at + HEADING.length);
  const heading = subsection.slice(0, subsection.indexOf('\n'));
  const parts = body
    .split(/^(?=### )/m)
    .filter((part) => part.startsWith('### '))
    .map((part) => `${part.trimEnd()}\n`);
  const same = parts.findIndex((part) => part.slice(0, part.indexOf('\n')) === heading);
  if (same >= 0) parts[same] = subsection;
  else parts.push(subsection);
  return `${head}\n\n${HEADING}\n\n${INTRO}\n\n${parts.join('\n')}`;
}
