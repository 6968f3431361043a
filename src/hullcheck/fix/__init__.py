"""``hullcheck fix``: rewrites of a Dockerfile tied to lint findings, proven before kept.

``base`` says what a fixer is, one module per fix family plans edits, ``registry`` lists
them, and ``engine`` applies them one change at a time, re-parsing and re-linting after
each: a change that alters an instruction it did not mean to, leaves its finding in
place or brings a new one is dropped and reported.
"""
