import sys

from vectorscout.cli import main

sys.exit(main())
