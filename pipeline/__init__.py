"""The operations layer: the six steps and the rules around them.

Every state change is one function in `steps/` that goes through
`rules.core.operation` — lock, check the transition table and its guards,
write, record one timeline event — and queues notifications (`messages/`) in
the same transaction. `views/` reads; the other folders hold the office's
routines, people, its own data and files. See README's "How it is built".
"""
