#!/usr/bin/env python
"""Django's command-line utility; `bms` is the same thing installed as a console script."""

from config.cli import main

if __name__ == "__main__":
    main()
