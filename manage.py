#!/usr/bin/env python
import os
import sys

# Commands that neither serve, sign nor store anything secret: on a fresh clone without `.env`
# they run with a throw-away random key instead of refusing (chorus/settings/base.py).
KEYLESS_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate", "help", "version"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings.base")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("CHORUS_THROWAWAY_SECRET_KEY", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
