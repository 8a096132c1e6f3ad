"""The six steps as operations: collect and classify, claim and solve, supervise, judge; reminders and overdue chasing."""
