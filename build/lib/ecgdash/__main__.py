import sys

from ecgdash.cli import main

sys.exit(main())
