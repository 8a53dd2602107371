"""The smallest journey, in Python: one GET of `/health` per iteration and a
check, like the Rust `hello`.

The request never changes, so it is prepared once in `on_start` and kept by
the host: each iteration sends a handle, and its response comes back
without headers, which nothing here reads.

Params: `base_url` (required).

Requests: `health` per iteration (checks `health is 200`, `health says ok`
and `no headers copied`).
"""

from throng import Journey, User, check, task


class Hello(User):
    def on_start(self):
        self.health = self.client.prepare(
            "GET", "/health", name="health", ignore_response_headers=True
        )

    @task
    def get_health(self):
        r = self.health.send()
        check("health is 200", r.status_code == 200)
        check("health says ok", '"ok"' in r.text)
        check("no headers copied", len(r.headers) == 0)


__all__ = ["Journey", "Hello"]
