// Used only by the tests: what a JavaScript journey can reach beyond the
// `throng:vu` contract. It imports `wasi:cli/environment` and
// `wasi:filesystem/preopens` directly (JavaScript itself has no `process`
// or `fs` here) and reports what it saw through checks, then fetches
// `forbidden_url`, a host outside the plan's allow list.
//
// Params: `forbidden_url` (fetched when set), `file` (a path to try to open
// under every preopened directory, default `/etc/hostname`).
//
// Checks, each expected to pass: `no env vars`, `no args`, `no cwd`,
// `no preopened dirs`, `file unreadable` and, with `forbidden_url`,
// `fetch refused` (the fetch rejected rather than answered).

import { getArguments, getEnvironment, initialCwd } from 'wasi:cli/environment@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import { check, defineJourney, log, paramOr } from '../../../guest-sdk/js/throng.js';

export const journey = defineJourney({
  async iteration() {
    const env = getEnvironment();
    for (const [k] of env) log.warn(`the guest sees env var ${k}`);
    check('no env vars', env.length === 0);
    check('no args', getArguments().length === 0);
    check('no cwd', initialCwd() === undefined);

    // Every file is reached through a preopened directory: none means none.
    const dirs = getDirectories();
    check('no preopened dirs', dirs.length === 0);
    const file = paramOr('file', '/etc/hostname');
    let opened = false;
    for (const [dir, path] of dirs) {
      try {
        dir.openAt({}, file.replace(/^\/+/, ''), {}, { read: true });
        opened = true;
        log.warn(`opened ${file} under ${path}`);
      } catch {
        // Refused, as it should be.
      }
    }
    check('file unreadable', !opened);

    const forbidden = paramOr('forbidden_url', '');
    if (!forbidden) return;
    let outcome = 'answered';
    try {
      const r = await fetch(forbidden);
      outcome = `answered ${r.status}`;
    } catch (e) {
      outcome = `refused: ${e instanceof Error ? e.message : String(e)}`;
    }
    log.info(`fetch ${outcome}`);
    check('fetch refused', outcome.startsWith('refused'));
  },
});
