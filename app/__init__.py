"""CNN Classroom's Panel UI."""
