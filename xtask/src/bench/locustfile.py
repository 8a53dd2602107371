# The Locust peer of `cargo xtask bench`: one GET of / per task, with
# FastHttpUser (geventhttpclient, keep-alive). BENCH_THINK=1 gives each user
# 1-5 s of think time between requests (the memory-per-user scenario);
# otherwise users loop with no wait (the throughput scenario).
import os

from locust import FastHttpUser, between, constant, task


class Get(FastHttpUser):
    wait_time = between(1, 5) if os.environ.get("BENCH_THINK") == "1" else constant(0)

    @task
    def get(self):
        self.client.get("/")
