"""The six steps: transitions, deadlines, permissions and notifications.

Every state change is one function here (intake, handling, oversight, judging)
that checks the transition table, writes a timeline event and queues
notifications in one transaction.
"""
