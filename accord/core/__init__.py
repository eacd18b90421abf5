"""The core beneath the features: what every area builds on (tenancy and access, audit, events,
the outbox and notifications, the periodic scheduler, the UI kit). It imports no feature app."""
