import { type History } from './history';

/** The heading of the chaos run's section of BENCHMARKS.md; the section runs from it to the end of the file. */
export const HEADING = '## Chaos runs';

export interface RunFacts {
  command: string;
  startedAt: Date;
  wallSeconds: number;
  machine: string;
}

/** The section that `npm run chaos -- --update` writes: how the run was made, and its summary as printed. */
export function chaosSection(h: History, summary: string, run: RunFacts): string {
  return [
    HEADING,
    '',
    `Command \`${run.command}\`, run on ${run.startedAt.toISOString()}; the whole run took ${Math.round(run.wallSeconds)} s ` +
      `on ${run.machine}. Store: ${h.storeLabel}. Library: ${h.build}. What each figure counts, and when the ` +
      'run fails, is in [chaos/README.md](chaos/README.md); one run, one seed, not a promise.',
    '',
    '```',
    summary,
    '```',
    '',
  ].join('\n');
}

/** `markdown` with its chaos section replaced by `section`, or `section` appended when it has none. */
export function withChaosSection(markdown: string, section: string): string {
  const at = markdown.search(new RegExp(`^${HEADING}$`, 'm'));
  const head = (at < 0 ? markdown : markdown.slice(0, at)).trimEnd();
  return `${head}\n\n${section}`;
}
