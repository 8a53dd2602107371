// {{name}}: a throng journey. Each virtual user logs in once, then runs
// the tasks below by weight, with think time between iterations.
//
// Build: npm install && npm run build
// Run:   throng run journey.wasm -p base_url=http://127.0.0.1:8080
//        (start a demo target with `throng target` first)

import { check, defineJourney, http, param, paramOr, sleepBetween } from './throng.js';

// Module globals belong to one virtual user.
let base = '';
let token = '';

export const journey = defineJourney({
  tasks: { ask: 4, health: 1 },

  onStart() {
    base = param('base_url');
    const r = http
      .post(`${base}/login`)
      .name('login')
      .json({ username: paramOr('username', 'clinician'), password: paramOr('password', 'secret') })
      .send();
    if (!check('login ok', r.status === 200)) {
      throw new Error(`login failed with status ${r.status}`);
    }
    token = r.json().token;
  },

  async iteration(task) {
    if (task === 'health') {
      // Plain fetch works too; the header names the request in the results.
      const r = await fetch(`${base}/health`, { headers: { 'x-throng-name': 'health' } });
      check('health is 200', r.status === 200);
    } else {
      const r = http
        .post(`${base}/query`)
        .name('query')
        .bearer(token)
        .json({ patient_id: 1, question: 'Any known allergies?' })
        .send();
      check('query ok', r.status === 200);
    }
    sleepBetween(Number(paramOr('think_min_s', '1')), Number(paramOr('think_max_s', '3')));
  },
});
