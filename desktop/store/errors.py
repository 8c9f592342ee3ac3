"""What the store refuses about the desk itself (not its file: see ``health``)."""

from __future__ import annotations


class NotSetUp(RuntimeError):
    """The desk has no post, operator and device yet: run the first-run setup."""


class EnrolledForAnotherPost(ValueError):
    """The desk is enrolled for ``enrolled_post``: its reports cannot be made under another
    post code (the central system would refuse them). Enroll again with a code for the new
    post instead."""

    def __init__(self, enrolled_post: str) -> None:
        super().__init__(enrolled_post)
        self.enrolled_post = enrolled_post
