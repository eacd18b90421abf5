"""A mixed load: simulated users doing the day's mix against a running Accord, with the bench's
own threaded HTTP client. Each user picks an action by weight, waits for the answer, thinks
for a moment and goes again. The load is stepped up to the full number of users; the
saturation point is the request rate at the first step whose p95 is twice the first step's.

Used by bench/run.py (``mixed_load(...)``) against ``accord serve`` with its defaults.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def _request(base: str, method: str, path: str, headers: dict, body: bytes | None) -> int:
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own server
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def actions(ids: dict, search_terms: list[str]) -> list[tuple[str, int, callable]]:
    """(name, weight, make) where make(rng) gives (method, path, kind, json body or None)."""
    import json

    def log_interaction(rng):
        body = {
            "client_id": rng.choice(ids["clients"]),
            "summary": "Call 电话 with the client",
            "kind": "call",
        }
        return "POST", "/api/v1/interactions", "api", json.dumps(body).encode()

    def move_task(rng):
        body = {"status": rng.choice(["todo", "doing", "blocked", "done"])}
        return "PATCH", f"/api/v1/tasks/{rng.choice(ids['tasks'])}", "api", json.dumps(body).encode()

    def report_draft(rng):
        body = {"period_start": "2026-11-01", "period_end": "2026-11-30"}
        return (
            "POST",
            f"/api/v1/projects/{rng.choice(ids['projects'])}/reports",
            "api",
            json.dumps(body).encode(),
        )

    return [
        ("dashboard", 4, lambda rng: ("GET", "/dashboard/", "web", None)),
        ("client list", 2, lambda rng: ("GET", "/clients/", "web", None)),
        ("client page", 3, lambda rng: ("GET", f"/clients/{rng.choice(ids['clients'])}/", "web", None)),
        ("task list", 2, lambda rng: ("GET", f"/projects/{rng.choice(ids['projects'])}/tasks/", "web", None)),
        ("log interaction", 2, log_interaction),
        ("move task", 2, move_task),
        (
            "search",
            2,
            lambda rng: (
                "GET",
                "/search/?" + urllib.parse.urlencode({"q": rng.choice(search_terms)}),
                "web",
                None,
            ),
        ),
        ("report draft", 1, report_draft),
    ]


def _step(base, users: int, seconds: float, think: float, mix, headers: dict, seed: int) -> dict:
    samples: dict[str, list[float]] = {name: [] for name, _w, _m in mix}
    errors: dict[str, int] = {name: 0 for name, _w, _m in mix}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    names = [name for name, _w, _m in mix]
    weights = [w for _n, w, _m in mix]
    makers = {name: make for name, _w, make in mix}

    def user(n):
        rng = random.Random(seed * 1000 + n)
        time.sleep(rng.uniform(0, think))  # users do not all start at once
        while time.monotonic() < stop:
            name = rng.choices(names, weights)[0]
            method, path, kind, body = makers[name](rng)
            t0 = time.perf_counter()
            try:
                status = _request(base, method, path, headers[kind], body)
            except OSError:
                status = 0
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                samples[name].append(ms)
                if status >= 400 or status == 0:
                    errors[name] += 1
            time.sleep(rng.uniform(0.5, 1.5) * think)

    started = time.monotonic()
    pool = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    every = [ms for values in samples.values() for ms in values]
    return {
        "users": users,
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        "p50_ms": round(statistics.median(every), 1) if every else None,
        "p95_ms": round(_percentile(every, 95), 1) if every else None,
        "errors": sum(errors.values()),
        "actions": {
            name: {
                "requests": len(values),
                "p95_ms": round(_percentile(values, 95), 1) if values else None,
                "errors": errors[name],
            }
            for name, values in samples.items()
        },
    }


def mixed_load(
    base: str, headers: dict, ids: dict, search_terms: list[str], *, users: int = 50, seconds: float = 20
) -> dict:
    """Steps of 1, 5, 10, 25 and ``users`` simulated users (one second of thinking on average)."""
    mix = actions(ids, search_terms)
    # Every action a few times first, so that no step pays for the workers' first requests.
    rng = random.Random(0)
    for _ in range(3):
        for _name, _w, make in mix:
            method, path, kind, body = make(rng)
            _request(base, method, path, headers[kind], body)
    steps = []
    for n in sorted({1, 5, 10, 25, users}):
        if n > users:
            continue
        step = _step(base, n, seconds, 1.0, mix, headers, seed=n)
        steps.append(step)
        print(
            f"  mixed load {n:>3} users: {step['requests_per_s']:6.1f} requests/s  p50 {step['p50_ms']} ms  "
            f"p95 {step['p95_ms']} ms  errors {step['errors']}"
        )
    baseline = steps[0]["p95_ms"] or 0
    saturation = next((s for s in steps if baseline and s["p95_ms"] >= 2 * baseline), None)
    full = steps[-1]
    for name, a in full["actions"].items():
        print(f"    {name:<16} p95 {a['p95_ms']} ms over {a['requests']} requests, errors {a['errors']}")
    if saturation:
        print(
            f"  saturation: p95 doubled at {saturation['users']} users, "
            f"{saturation['requests_per_s']} requests/s"
        )
    else:
        print(f"  saturation: not reached (p95 below twice the 1-user p95 up to {full['users']} users)")
    return {
        "steps": steps,
        "saturation": {"users": saturation["users"], "requests_per_s": saturation["requests_per_s"]}
        if saturation
        else None,
    }
