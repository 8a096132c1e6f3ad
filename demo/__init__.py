"""Demo data for a first look (`flask --app app seed-demo`)."""
