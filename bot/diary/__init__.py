"""The confinement diary (月子日记): domain code, no Flask.

Chat handlers, the mini-program API, the agency API and the scheduled jobs call
these functions with a session and plain values; see docs/diary.md.
"""
