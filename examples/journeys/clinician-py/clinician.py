"""A clinician logs in once, then asks questions about patients.

The Python twin of `examples/journeys/clinician` (Rust): same params, same
requests, metric and check names, written as a Locust user.

Params: `base_url` (required), `username` / `password` (default the demo
target's clinician), `think_min_s` / `think_max_s` (wait after each task,
default 1..5 s like a person reading an answer).

Data: when the plan declares a data set `questions` (column `question`) or
`patients` (column `patient_id`), each query takes its question or patient
from it; without them it picks from twelve built-in questions and patients
1 to 10. A patient id that is a number is sent as one.

Requests: `login` once per VU (`on_start`, check `login ok`), then per
iteration task `ask` (weight 4: `query` with the bearer token, checks
`query ok` and `answer present`) or `health` (weight 1: `health`, check
`health is 200`).
"""

from throng import Journey, User, between, check, data, param, random, task

QUESTIONS = [
    "What are the current medications?",
    "Summarise the last three visits.",
    "Any known allergies?",
    "What was the most recent HbA1c?",
    "Is the blood pressure trending up?",
    "List open referrals.",
    "What imaging was done this year?",
    "Are vaccinations up to date?",
    "Summarise the discharge letter.",
    "Any drug interactions to watch?",
    "What is the family history?",
    "When is the next follow-up due?",
]

PATIENTS = 10


def pick(n: int) -> int:
    return min(int(random() * n), n - 1)


class Clinician(User):
    wait_time = between(1, 5)

    def on_start(self):
        self.wait_time = between(
            float(param("think_min_s", "1")), float(param("think_max_s", "5"))
        )
        self.questions_from_data = data.len("questions") is not None
        self.patients_from_data = data.len("patients") is not None
        r = self.client.post(
            "/login",
            name="login",
            json={
                "username": param("username", "clinician"),
                "password": param("password", "secret"),
            },
        )
        if not check("login ok", r.status_code == 200):
            raise RuntimeError(f"login failed with status {r.status_code}")
        self.client.headers["Authorization"] = f"Bearer {r.json().get('token', '')}"

    def question(self) -> str:
        if self.questions_from_data:
            return data.next("questions")["question"]
        return QUESTIONS[pick(len(QUESTIONS))]

    def patient(self):
        if not self.patients_from_data:
            return 1 + pick(PATIENTS)
        pid = data.next("patients")["patient_id"]
        try:
            return int(pid)
        except ValueError:
            return pid

    @task(4)
    def ask(self):
        r = self.client.post(
            "/query",
            name="query",
            json={"patient_id": self.patient(), "question": self.question()},
        )
        check("query ok", r.status_code == 200)
        try:
            answer = r.json().get("answer")
        except ValueError:
            answer = None
        check("answer present", isinstance(answer, str))

    @task
    def health(self):
        r = self.client.get("/health", name="health")
        check("health is 200", r.status_code == 200)


__all__ = ["Journey", "Clinician"]
