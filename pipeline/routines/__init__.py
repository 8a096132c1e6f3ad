"""The office's routines around the loop: the weekly bulletin, cadre visits and their checks, when each routine is due."""
