"""The read side: finding items, who may see them, what the public may see of them,
work lists, the console's desk, the assignment sheet, statistics."""
