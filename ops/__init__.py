"""Running an installation: logs, readiness, backup and restore, moving to PostgreSQL."""
