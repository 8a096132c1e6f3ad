"""The rules every step shares: statuses and the transition table with its guards,
the guarded operation, who is acting, errors, input limits, settings, overdue,
working days, numbering, and what the layers above may take from models (boundary)."""
