"""The office's own data: the category tree, the calendar, the communities."""
