"""{{name}}: a throng journey in Python.

Each virtual user logs in once, then asks questions (`query`, 3 of 4
iterations) or checks the service's health (`health`), waiting 1-5 s after
each like a person reading the answer. Run it against throng's demo target:

    throng target &
    throng run journey.wasm -p base_url=http://127.0.0.1:8080 --vus 10 --duration 30s
"""

from throng import Journey, User, between, check, param, random, task

QUESTIONS = [
    "Any known allergies?",
    "What are the current medications?",
    "When is the next follow-up due?",
]


class Visitor(User):
    # Seconds to wait after each task; `-p think_max_s=0` turns it off.
    wait_time = between(1, 5)

    def on_start(self):
        self.wait_time = between(
            float(param("think_min_s", "1")), float(param("think_max_s", "5"))
        )
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
        self.client.headers["Authorization"] = f"Bearer {r.json()['token']}"

    @task(3)
    def query(self):
        question = QUESTIONS[int(random() * len(QUESTIONS)) % len(QUESTIONS)]
        r = self.client.post(
            "/query",
            name="query",
            json={"patient_id": 1 + int(random() * 10) % 10, "question": question},
        )
        check("query ok", r.status_code == 200)

    @task
    def health(self):
        r = self.client.get("/health", name="health")
        check("health is 200", r.status_code == 200)


__all__ = ["Journey", "Visitor"]
