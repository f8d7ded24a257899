"""`python -m bpfcc`: the same as the `bpfcc` command."""
import sys

from .cli import main

sys.exit(main())
