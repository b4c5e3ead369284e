# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""``python -m correlator``: the same as the ``correlator`` command."""

from __future__ import annotations

import sys

from correlator.cli import main

if __name__ == "__main__":
    sys.exit(main())
