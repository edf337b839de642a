"""Settings for the command-line tests' subprocesses: fast password hashing."""

from beatbook.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
