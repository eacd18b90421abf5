"""API fuzzing: schemathesis generates requests for every operation of /api/v1/openapi.json
and sends them, with a valid token, to a live Accord holding the demo data.

Passes when no response is a 5xx and every documented response matches its schema.
ACCORD_FUZZ_EXAMPLES sets the cases per operation (100 in CI); ACCORD_FUZZ_PATHS (a regular
expression) limits the run to matching paths, for reproducing one finding."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from accord.testing.live import LiveServer

EXAMPLES = int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "100"))
REPORTS = Path(__file__).resolve().parents[2] / "e2e" / "artifacts"


@pytest.fixture(scope="module")
def live():
    # The rate limits would answer most generated requests with 429: off, so every operation is exercised.
    server = LiveServer(
        worker=False, extra_env={"ACCORD_API_RATE_PER_TOKEN": "0", "ACCORD_API_RATE_PER_IP": "0"}
    ).start()
    yield server
    server.stop()


def test_api_survives_generated_requests(live, capsys):
    token = live.manage("apitoken", "demo@accord.example", "--name", "fuzz").strip().splitlines()[-1]
    REPORTS.mkdir(parents=True, exist_ok=True)
    schemathesis = str(Path(sys.executable).with_name("schemathesis"))
    result = subprocess.run(
        [
            schemathesis,
            "run",
            f"{live.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            str(EXAMPLES),
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--seed",
            "20261126",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--continue-on-failure",
            "--report",
            "junit",
            "--report-junit-path",
            str(REPORTS / "schemathesis-junit.xml"),
            "--output-truncate",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=3000,
        env={**os.environ, "NO_COLOR": "1"},
    )
    output = result.stdout + result.stderr
    summary = [
        line for line in output.splitlines() if re.search(r"(passed|failed|operations|cases|Tested)", line)
    ]
    with capsys.disabled():
        print("\n".join(summary[-12:]))
    assert result.returncode == 0, output[-20000:] + "\n--- server log ---\n" + live.log("web")[-5000:]
