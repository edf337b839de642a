"""The ``beatbook`` console script: Django's management commands plus ours."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatbook.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["beatbook", *sys.argv[1:]])


if __name__ == "__main__":
    main()
