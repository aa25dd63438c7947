"""`python -m cli …` is `threadr …`."""

import sys

from cli.main import main

sys.exit(main())
