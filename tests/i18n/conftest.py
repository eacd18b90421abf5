from accord.reports.tests.smtp import smtp  # noqa: F401
