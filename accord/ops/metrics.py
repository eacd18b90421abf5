"""Prometheus metrics. Request latency is counted in each web process; everything read from the
database (outbox, queue, task failures, worker heartbeats) is computed at scrape time, so any
process gives the same answer."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "accord_http_request_duration_seconds",
    "Time to answer a request, by route name.",
    ["route", "method", "status_class"],
    registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(route, method, f"{status // 100}xx").observe(seconds)


class DatabaseCollector:
    def describe(self):
        return []

    def collect(self):
        try:
            yield from self._collect()
        except DatabaseError:
            logger.warning("Metrics from the database are unavailable", exc_info=True)

    def _collect(self):
        from django.db.models import Count

        from accord.comms.models import OutboxMessage

        from .health import queue_stats
        from .models import WorkerHeartbeat
        from .services import delivery_paused

        outbox = GaugeMetricFamily(
            "accord_outbox_messages", "Outbox messages by state and channel.", labels=["state", "channel"]
        )
        for row in OutboxMessage.objects.values("status", "channel").annotate(n=Count("id")).order_by():
            outbox.add_metric([row["status"], row["channel"]], row["n"])
        yield outbox

        stats = queue_stats()
        yield GaugeMetricFamily(
            "accord_queue_depth", "Tasks waiting in the queue.", value=stats["tasks_ready"]
        )
        yield GaugeMetricFamily(
            "accord_queue_oldest_seconds",
            "Age of the oldest waiting task.",
            value=stats["tasks_oldest_seconds"],
        )
        yield GaugeMetricFamily("accord_outbox_due", "Outbox messages due now.", value=stats["outbox_due"])
        yield GaugeMetricFamily(
            "accord_outbox_oldest_due_seconds",
            "Age of the oldest due outbox message.",
            value=stats["outbox_oldest_due_seconds"],
        )
        yield GaugeMetricFamily(
            "accord_delivery_paused", "1 when outgoing delivery is paused.", value=int(delivery_paused())
        )

        failures = GaugeMetricFamily("accord_task_failures", "Failed task results kept.", labels=["task"])
        try:
            from django_tasks_db.models import DBTaskResult

            rows = DBTaskResult.objects.filter(status="FAILED").values("task_path").annotate(n=Count("id"))
            for row in rows.order_by():
                failures.add_metric([row["task_path"]], row["n"])
        except ImportError:  # pragma: no cover - installed with Accord
            pass
        yield failures

        beats = GaugeMetricFamily(
            "accord_worker_heartbeat_age_seconds",
            "Seconds since each worker's last heartbeat.",
            labels=["worker"],
        )
        now = timezone.now()
        for worker_id, last in WorkerHeartbeat.objects.values_list("worker_id", "last_beat_at"):
            beats.add_metric([worker_id], (now - last).total_seconds())
        yield beats


REGISTRY.register(DatabaseCollector())


def render() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
