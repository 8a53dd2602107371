// A clinician logs in once, then asks questions about patients: the Rust
// clinician (examples/journeys/clinician) in JavaScript, with the same
// params, request names, tasks and checks.
//
// Params: `base_url` (required), `username` / `password` (default the demo
// target's clinician), `think_min_s` / `think_max_s` (think time inside the
// iteration, default 1..5 s).
//
// Data: a plan's `questions` (column `question`) or `patients` (column
// `patient_id`) data set is used when declared; otherwise twelve built-in
// questions and patients 1 to 10.
//
// Requests: `login` once per VU (checks `login ok`), then per iteration task
// `ask` (weight 4: `query` with the bearer token, checks `query ok` and
// `answer present`) or `health` (weight 1: `health`, checks
// `health is 200`). `ask` goes through the helper's `http`; `health` is a
// plain `fetch`, named through the `x-throng-name` header.

import {
  check,
  data,
  defineJourney,
  http,
  param,
  paramOr,
  pick,
  randomBelow,
  sleepBetween,
} from '../../../guest-sdk/js/throng.js';

const QUESTIONS = [
  'What are the current medications?',
  'Summarise the last three visits.',
  'Any known allergies?',
  'What was the most recent HbA1c?',
  'Is the blood pressure trending up?',
  'List open referrals.',
  'What imaging was done this year?',
  'Are vaccinations up to date?',
  'Summarise the discharge letter.',
  'Any drug interactions to watch?',
  'What is the family history?',
  'When is the next follow-up due?',
];

const PATIENTS = 10;

// One VU's state: module globals live as long as the VU.
let base = '';
let token = '';
let think = [1, 5];
let questionsFromData = false;
let patientsFromData = false;

function question() {
  return questionsFromData ? data.next('questions').question : pick(QUESTIONS);
}

function patient() {
  if (!patientsFromData) return 1 + randomBelow(PATIENTS);
  const id = data.next('patients').patient_id;
  return /^-?\d+$/.test(id) ? Number(id) : id;
}

export const journey = defineJourney({
  tasks: { ask: 4, health: 1 },

  onStart() {
    base = param('base_url');
    think = [Number(paramOr('think_min_s', '1')), Number(paramOr('think_max_s', '5'))];
    questionsFromData = data.len('questions') !== undefined;
    patientsFromData = data.len('patients') !== undefined;
    const r = http
      .post(`${base}/login`)
      .name('login')
      .json({ username: paramOr('username', 'clinician'), password: paramOr('password', 'secret') })
      .send();
    if (!check('login ok', r.status === 200)) {
      throw new Error(`login failed with status ${r.status}`);
    }
    token = r.json().token ?? '';
  },

  async iteration(task) {
    if (task === 'health') {
      const r = await fetch(`${base}/health`, { headers: { 'x-throng-name': 'health' } });
      await r.arrayBuffer();
      check('health is 200', r.status === 200);
    } else {
      const r = http
        .post(`${base}/query`)
        .name('query')
        .bearer(token)
        .json({ patient_id: patient(), question: question() })
        .send();
      check('query ok', r.status === 200);
      let answered = false;
      try {
        answered = typeof r.json().answer === 'string';
      } catch {
        answered = false;
      }
      check('answer present', answered);
    }
    sleepBetween(think[0], think[1]);
  },
});
