# SPDX-License-Identifier: Apache-2.0
"""Host drivers of the repository's IPs (the code a board would run); see docs/cnn.md."""
