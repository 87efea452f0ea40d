"""Exceptions raised by the smotegen core.

Every error a user can cause is a ``SmotegenError`` whose message is one line
that names the column, value or option at fault and gives the fix. The
command-line layer prints that line and exits with ``exit_code``.
"""

from __future__ import annotations


class SmotegenError(Exception):
    """A problem with the input data or the run, reported to the user as one line."""

    exit_code = 1


class UsageError(SmotegenError):
    """Invalid or conflicting options, detected before any file is written."""

    exit_code = 2
