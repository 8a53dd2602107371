// The smallest journey, in JavaScript: one GET of `/health` per iteration
// and a check, like the Rust `hello`. The request never changes, so it is
// prepared once in `onStart` and kept by the host: each iteration sends a
// handle, and its response comes back without headers, which nothing here
// reads.
//
// Params: `base_url` (required).
//
// Requests: `health` per iteration (checks `health is 200`, `health says
// ok` and `no headers copied`).

import { check, defineJourney, http, param } from '../../../guest-sdk/js/throng.js';

/** @type {import('../../../guest-sdk/js/throng.js').Prepared | undefined} */
let health;

export const journey = defineJourney({
  onStart() {
    health = http
      .get(`${param('base_url')}/health`)
      .name('health')
      .ignoreResponseHeaders()
      .prepare();
  },

  iteration() {
    if (!health) throw new Error('the request was not prepared: onStart did not run');
    const r = health.send();
    check('health is 200', r.status === 200);
    check('health says ok', r.text.includes('"ok"'));
    check('no headers copied', r.headers.length === 0);
  },
});
